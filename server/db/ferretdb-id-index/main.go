// Command ordo-ferretdb-id-index gives every collection table of FerretDB v1.24's SQLite backend an
// index on the exact expression FerretDB's `{_id: <string|ObjectId>}` pushdown queries
// (`_ferretdb_sjson->'$._id'`). FerretDB's own `_id_` index is built on `_ferretdb_sjson->"_id"`,
// which SQLite's planner does not treat as the same expression, so without this every lookup by
// _id scans the whole table (measured: 17 µs per stored document per lookup; the same upstream
// class of bug as FerretDB issue #4646 for PostgreSQL). The index is not unique, so FerretDB's own
// unique index still decides duplicate keys; FerretDB never lists it and drops it with the table.
//
// It is built from FerretDB's module (which pins modernc.org/sqlite) next to the ferretdb binary,
// and run by server/db/ferretdb.ts on the data directory before FerretDB starts (never beside a
// running FerretDB), so a collection created while FerretDB runs is indexed at its next start.
//
// Usage: ordo-ferretdb-id-index <data dir>   (prints the number of indexes it added)
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	_ "modernc.org/sqlite"
)

var tableName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ordo-ferretdb-id-index <data dir>")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.sqlite"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	added, failed := 0, 0
	for _, file := range files {
		n, err := indexFile(file)
		added += n
		if err != nil {
			// a database dropped meanwhile, or one that is busy: the next run tries again
			failed++
			fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(file), err)
		}
	}
	fmt.Println(added)
	if failed == len(files) && failed > 0 {
		os.Exit(1)
	}
}

func indexFile(file string) (int, error) {
	// mode=rw: never create a file (a database dropped since the glob must stay dropped)
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	rows, err := db.Query(`SELECT table_name FROM _ferretdb_collections m
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master s WHERE s.type = 'index' AND s.name = m.table_name || '__id_path')`)
	if err != nil {
		return 0, nil // not a FerretDB database yet (no metadata table)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		if tableName.MatchString(t) {
			tables = append(tables, t)
		}
	}
	rows.Close()

	added := 0
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS "%s__id_path" ON "%s" (_ferretdb_sjson->'$._id')`, t, t)
		if _, err := db.Exec(q); err != nil {
			return added, fmt.Errorf("%s: %w", t, err)
		}
		added++
	}
	return added, nil
}
