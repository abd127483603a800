/**
 * Ordo nodes as child processes for the soak and cluster benches: one FerretDB, one Redis (socket.io
 * between nodes) and one SECRET_KEY shared by every node. Each node is ONE process
 * (`node --import tsx server/main.ts`, not the tsx CLI, which forks a second process that would
 * survive a kill -9 of the first), so SIGKILL really kills the server. Memory is sampled per node:
 * RSS of the node process, RSS of the node with its children (chromium), and V8 heap (over IPC).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis } from '../../tests/helpers/redis';
import { BENCH_ADMIN, startBenchDatabase } from './ordo';

const ROOT = path.join(__dirname, '..', '..');
const MB = 1024 * 1024;

export interface MemorySample {
  /** ms since the cluster started */
  t: number;
  rssMb: number;
  /** the node and its descendants (the warm chromium pool) */
  treeRssMb: number;
  heapUsedMb: number;
}

export interface BenchNode {
  name: string;
  url: string;
  pid: number;
  samples: MemorySample[];
  alive(): boolean;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function rssOfPid(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** every process below `pid` (chromium and its helpers), from /proc/<pid>/task/<tid>/children */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      for (const k of readOr(`/proc/${p}/task/${t}/children`, '').trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(k);
        walk(k);
      }
    }
  };
  walk(pid);
  return out;
}

export interface Cluster {
  dbUri: string;
  nodes: BenchNode[];
  startedAt: number;
  startNode(name: string): Promise<BenchNode>;
  close(): Promise<void>;
}

export async function startCluster(opts: { sampleMs: number; logLevel?: string; env?: Record<string, string> }): Promise<Cluster> {
  const db = await startBenchDatabase();
  const redis = await startRedis();
  const secretKey = crypto.randomBytes(32).toString('hex');
  const startedAt = Date.now();
  const nodes: BenchNode[] = [];
  const dirs: string[] = [];

  const startNode = async (name: string): Promise<BenchNode> => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ordo-bench-${name}-`));
    dirs.push(dataDir);
    const proc: ChildProcess = spawn(process.execPath, ['--require', path.join(__dirname, 'memory-probe.cjs'), '--import', 'tsx', path.join(ROOT, 'server', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: opts.logLevel ?? 'error',
        DATA_DIR: dataDir,
        MONGODB_URI: db.uri,
        REDIS_URL: redis.url,
        SECRET_KEY: secretKey,
        ORDO_ADMIN_EMAIL: BENCH_ADMIN.email,
        ORDO_ADMIN_PASSWORD: BENCH_ADMIN.password,
        DESIGNER_AUTOBUILD: 'false',
        ORDO_BENCH_MEMORY_MS: String(Math.min(1000, opts.sampleMs)),
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    const keep = (d: Buffer) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    let heapUsed = 0;
    proc.on('message', (m: { type?: string; heapUsed?: number }) => {
      if (m?.type === 'ordo.memory') heapUsed = m.heapUsed ?? 0;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${name} did not start within 180 s:\n${out}`)), 180_000);
      const check = () => {
        const m = out.match(/Ordo is running at (\S+)/);
        if (m) {
          clearTimeout(timer);
          proc.stdout!.off('data', check);
          resolve(m[1]);
        }
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node ${name} exited (${code ?? signal}) while starting:\n${out}`));
      });
    });
    const alive = () => proc.exitCode === null && proc.signalCode === null;
    const samples: MemorySample[] = [];
    const sample = () => {
      if (!alive()) return;
      const pid = proc.pid!;
      const rss = rssOfPid(pid);
      const tree = rss + descendants(pid).reduce((n, p) => n + rssOfPid(p), 0);
      samples.push({ t: Date.now() - startedAt, rssMb: rss / MB, treeRssMb: tree / MB, heapUsedMb: heapUsed / MB });
    };
    sample();
    const sampler = setInterval(sample, opts.sampleMs);
    sampler.unref();
    proc.once('exit', () => clearInterval(sampler));
    const node: BenchNode = {
      name,
      url,
      pid: proc.pid!,
      samples,
      alive,
      output: () => out,
      stop: (signal = 'SIGTERM') =>
        new Promise<void>((resolve) => {
          clearInterval(sampler);
          if (!alive()) return resolve();
          const force = signal === 'SIGKILL' ? undefined : setTimeout(() => proc.kill('SIGKILL'), 30_000);
          proc.once('exit', () => {
            if (force) clearTimeout(force);
            resolve();
          });
          proc.kill(signal);
        }),
    };
    nodes.push(node);
    return node;
  };

  return {
    dbUri: db.uri,
    nodes,
    startedAt,
    startNode,
    async close() {
      await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
      await redis.stop();
      await db.stop();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Median of the samples of one node in [from, to) ms since the cluster started. */
export function medianRss(samples: MemorySample[], from: number, to: number, key: 'rssMb' | 'treeRssMb' | 'heapUsedMb' = 'rssMb'): number {
  const xs = samples.filter((s) => s.t >= from && s.t < to).map((s) => s[key]).sort((a, b) => a - b);
  return xs.length ? xs[Math.floor(xs.length / 2)] : NaN;
}

/** Least-squares slope of a memory series over [from, to), in MB per minute. */
export function slopeMbPerMin(samples: MemorySample[], from: number, to: number, key: 'rssMb' | 'heapUsedMb' = 'rssMb'): number {
  const pts = samples.filter((s) => s.t >= from && s.t < to);
  if (pts.length < 3) return NaN;
  const mx = pts.reduce((n, p) => n + p.t, 0) / pts.length;
  const my = pts.reduce((n, p) => n + p[key], 0) / pts.length;
  const num = pts.reduce((n, p) => n + (p.t - mx) * (p[key] - my), 0);
  const den = pts.reduce((n, p) => n + (p.t - mx) ** 2, 0);
  return den ? (num / den) * 60_000 : NaN;
}

/** Runs a bench's main and exits with its verdict (process.exitCode), so child nodes and sockets never keep it alive. */
export function runBenchMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
