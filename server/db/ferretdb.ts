/**
 * Embedded database: FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend), used by `npm start`
 * without MONGODB_URI and by the test suite. The binary is built once from the Go module proxy into
 * .tools/bin (project-local, git-ignored).
 *
 * Why not plain `go install …@v1.24.2`: the module zip lacks build/version/version.txt, and the
 * resulting binary panics at start ("Invalid build/version/version.txt file content"). We therefore
 * take the very same module from the proxy (`go mod download`), write that one file, and `go build`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ServiceUnavailableError, ConfigError } from '../../workflows/model/errors';

export const FERRETDB_VERSION = 'v1.24.2';
export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const LOCAL_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'ferretdb');
/** server/db/ferretdb-id-index/main.go, built beside ferretdb: see why there. */
export const ID_INDEX_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'ordo-ferretdb-id-index');
const ID_INDEX_SOURCE = path.join(PROJECT_ROOT, 'server', 'db', 'ferretdb-id-index', 'main.go');

type Progress = (message: string) => void;

function onPath(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Finds the ferretdb binary, building it (and its _id index tool) once from the Go module proxy when missing. */
export function ensureFerretdbBinary(options: { explicit?: string; progress?: Progress } = {}): string {
  const progress = options.progress ?? (() => {});
  if (options.explicit) {
    if (!fs.existsSync(options.explicit)) throw new ConfigError(`FERRETDB_BIN=${options.explicit} does not exist`, [{ path: 'FERRETDB_BIN', message: 'file does not exist' }]);
    return options.explicit;
  }
  const go = onPath('go');
  if (fs.existsSync(LOCAL_BIN)) {
    // a tree whose ferretdb predates the index tool gets the tool on its own (seconds, from the module cache)
    if (!fs.existsSync(ID_INDEX_BIN) && go) buildFromModule(go, progress, [['ordo-id-index', ID_INDEX_BIN]]);
    return LOCAL_BIN;
  }
  const systemBin = onPath('ferretdb');
  if (systemBin) return systemBin;
  if (!go) {
    throw new ConfigError(
      'No database: MONGODB_URI is not set, no ferretdb binary was found and Go is not installed to build one. ' +
        'Point Ordo at your MongoDB 7+ with MONGODB_URI=mongodb://host:27017/ordo, or install Go (>= 1.22) so Ordo can build its embedded FerretDB.',
    );
  }
  progress(`FerretDB ${FERRETDB_VERSION} is not built yet; building it once into ${path.relative(process.cwd(), LOCAL_BIN)} (about a minute)…`);
  buildFromModule(go, progress, [
    ['ferretdb', LOCAL_BIN],
    ['ordo-id-index', ID_INDEX_BIN],
  ]);
  return LOCAL_BIN;
}

/** Builds commands from FerretDB's module source: its own ./cmd/ferretdb, and Ordo's index tool placed beside it. */
function buildFromModule(go: string, progress: Progress, targets: Array<[command: string, output: string]>): void {
  const step = (label: string, args: string[], cwd?: string) => {
    progress(label);
    const r = spawnSync(go, args, { cwd, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' }, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new ConfigError(`Building FerretDB failed at "${label}": ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    return r.stdout;
  };
  const total = targets.length + 2;
  const info = JSON.parse(step(`[1/${total}] downloading the module from the Go module proxy`, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`])) as { Dir: string };
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-ferretdb-src-'));
  try {
    fs.cpSync(info.Dir, src, { recursive: true });
    for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
      fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
    }
    fs.chmodSync(src, 0o755);
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    fs.mkdirSync(path.join(src, 'cmd', 'ordo-id-index'));
    fs.copyFileSync(ID_INDEX_SOURCE, path.join(src, 'cmd', 'ordo-id-index', 'main.go'));
    fs.mkdirSync(path.dirname(LOCAL_BIN), { recursive: true });
    targets.forEach(([command, output], i) => {
      const tmpBin = `${output}.${process.pid}.tmp`;
      step(`[${i + 2}/${total}] compiling (go build ./cmd/${command})`, ['build', '-trimpath', '-o', tmpBin, `./cmd/${command}`], src);
      fs.renameSync(tmpBin, output); // atomic: a concurrent builder never sees half a binary
    });
    progress(`[${total}/${total}] done`);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

/**
 * Gives the collections in `dataDir` the _id index FerretDB 1.24's SQLite queries can use (see
 * server/db/ferretdb-id-index/main.go); run by startFerretdb before FerretDB starts, so a
 * collection created while it runs is indexed at the next start. Returns how many it added;
 * without the tool (a system ferretdb and no Go) nothing happens and lookups by _id stay scans.
 */
export function addIdIndexes(dataDir: string): Promise<number> {
  if (!fs.existsSync(ID_INDEX_BIN)) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(ID_INDEX_BIN, [path.resolve(dataDir)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', () => resolve(0));
    child.once('close', () => resolve(Number(out.trim()) || 0));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new ServiceUnavailableError(`FerretDB exited with code ${child.exitCode} during start-up`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new ServiceUnavailableError(`FerretDB did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * "<FerretDB's pid> <its Ordo's pid>", kept beside its files: a start after a crash (SIGKILL) of
 * Ordo stops the orphan first; a start beside a live Ordo on the same files refuses.
 */
export const PID_FILE = 'ferretdb.pid';

/** The command line and parent of a live process (undefined when it is gone or a zombie); /proc on Linux, ps elsewhere. */
function processInfo(pid: number): { cmd: string; ppid: number } | undefined {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return cmd ? { cmd, ppid } : undefined;
  } catch {
    if (fs.existsSync('/proc/self')) return undefined;
    const r = spawnSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' });
    const m = r.status === 0 ? /^\s*(\d+)\s+(.+)$/.exec(r.stdout.trim()) : null;
    return m ? { cmd: m[2], ppid: Number(m[1]) } : undefined;
  }
}

/** The flag that ties a FerretDB process to the files of `dir` (see startFerretdb). */
const sqliteUrlOf = (dir: string) => `--sqlite-url=file:${dir}/`;

/**
 * Stops a FerretDB still running on the files of `dir` from an earlier start whose Ordo was killed
 * without stopping it (its pid file is there). The pid is only signalled while it still is ferretdb
 * on these files, so a reused pid is left alone; one whose Ordo is still its parent is in use, and
 * this start refuses rather than pull the database from under it. Returns the pid it stopped.
 */
export async function stopLeftoverFerretdb(dir: string): Promise<number | undefined> {
  const file = path.join(dir, PID_FILE);
  const [pid, owner] = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').trim().split(/\s+/).map(Number);
  const ours = () => {
    const info = pid > 0 ? processInfo(pid) : undefined;
    return info && /ferretdb/.test(info.cmd) && info.cmd.includes(sqliteUrlOf(dir)) ? info : undefined;
  };
  const found = ours();
  if (!found) {
    fs.rmSync(file, { force: true });
    return undefined;
  }
  if (found.ppid === owner && owner !== process.pid) {
    throw new ConfigError(
      `The embedded database in ${dir} is in use by another running Ordo (pid ${owner}). Stop it first, or point both at one MongoDB with MONGODB_URI.`,
      [{ path: 'DATA_DIR', message: 'in use by a running Ordo' }],
    );
  }
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      /* gone meanwhile */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 5000;
  while (ours()) {
    if (Date.now() > deadline) signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(file, { force: true });
  return pid;
}

export interface EmbeddedDatabase {
  uri: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts FerretDB on a free loopback port with its SQLite files under `dataDir`. Telemetry and the
 * debug HTTP endpoint are off, so nothing leaves the machine.
 */
export async function startFerretdb(options: { dataDir: string; binary: string; port?: number; database?: string; logFile?: string }): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  // a FerretDB orphaned by a killed Ordo still has these files open: never run a second one on them
  await stopLeftoverFerretdb(dir);
  // only while no FerretDB has the files open: a run of the tool beside a live FerretDB coincided
  // with a SIGBUS in FerretDB's WAL index (shared memory) once under heavy load, so it never does
  await addIdIndexes(dir);
  const port = options.port ?? (await freePort());
  const logFd = fs.openSync(options.logFile ?? path.join(dir, 'ferretdb.log'), 'a');
  const child = spawn(
    options.binary,
    [
      '--handler=sqlite',
      sqliteUrlOf(dir),
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      `--state-dir=${dir}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, FERRETDB_TELEMETRY: 'disable', DO_NOT_TRACK: '1' } },
  );
  fs.closeSync(logFd);
  const pidFile = path.join(dir, PID_FILE);
  const pidLine = `${child.pid} ${process.pid}`;
  if (child.pid) fs.writeFileSync(pidFile, `${pidLine}\n`);
  child.once('exit', () => {
    // only our own: a later start may already have written its pid
    if (fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() === pidLine) fs.rmSync(pidFile, { force: true });
  });
  await waitForPort(port, child, 20_000);
  let stopped: Promise<void> | undefined;
  return {
    uri: `mongodb://127.0.0.1:${port}/${options.database ?? 'ordo'}`,
    port,
    pid: child.pid!,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => { clearTimeout(killTimer); resolve(); });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}
