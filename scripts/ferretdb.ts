/** `npx tsx scripts/ferretdb.ts build`: builds the embedded FerretDB into .tools/bin once (CI, fresh machines). */
import { ensureFerretdbBinary } from '../server/db/ferretdb';

const [command] = process.argv.slice(2);
if (command !== 'build') {
  process.stderr.write('usage: tsx scripts/ferretdb.ts build\n');
  process.exit(2);
}
const bin = ensureFerretdbBinary({ explicit: process.env.FERRETDB_BIN, progress: (m) => process.stdout.write(`${m}\n`) });
process.stdout.write(`ferretdb: ${bin}\n`);
