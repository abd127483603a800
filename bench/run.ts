/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [args]` runs one.
 * Each bench/<name>.bench.ts prints a readable table and, as its very last line, one JSON object.
 * The whole run also writes bench/report.md with the machine and every figure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ORDER = ['engine', 'rules', 'intake', 'sockets', 'print', 'connectors', 'soak', 'cluster'];
const dir = __dirname;
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));

const [name, ...rest] = process.argv.slice(2);
// soak runs its short default (2 minutes); `npm run bench -- soak --duration 10m` for the long run
const selected = name ? [name] : available;
for (const n of selected) {
  if (!available.includes(n)) {
    process.stderr.write(`Unknown benchmark "${n}". Available: ${available.join(', ')}\n`);
    process.exit(2);
  }
}

const tsx = path.join(dir, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
const results: Array<{ name: string; json?: Record<string, unknown>; ok: boolean }> = [];
for (const n of selected) {
  process.stdout.write(`\n=== bench: ${n} ===\n`);
  const r = spawnSync(process.execPath, [tsx, path.join(dir, `${n}.bench.ts`), ...rest], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(last);
  } catch {
    /* a failed bench prints no JSON */
  }
  results.push({ name: n, json, ok: r.status === 0 && json !== undefined });
}

if (!name) {
  // hand-written sections (## / ### headings) of the previous report stay below the new table
  const reportPath = path.join(dir, 'report.md');
  const previous = fs.existsSync(reportPath) ? fs.readFileSync(reportPath, 'utf8') : '';
  const firstSection = previous.search(/\n#{2,6} /);
  const kept = firstSection >= 0 ? previous.slice(firstSection + 1) : '';
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const lines = [
    '# Ordo benchmark report',
    '',
    `Generated ${new Date().toISOString()} by \`npm run bench\` on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    '`vs_raw` is always Ordo’s throughput divided by the raw library’s in the same run.',
    '',
    '| bench | figures |',
    '|---|---|',
    ...results.map((r) => `| ${r.name} | ${r.json ? '`' + JSON.stringify(r.json) + '`' : 'failed'} |`),
    '',
  ];
  fs.writeFileSync(reportPath, lines.join('\n') + (kept ? `\n${kept}` : ''));
}
const combined = Object.fromEntries(results.map((r) => [r.name, r.json ?? null]));
process.stdout.write(`${JSON.stringify(selected.length === 1 ? results[0]?.json ?? { bench: selected[0], failed: true } : { bench: 'all', results: combined })}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
