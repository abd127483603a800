/**
 * Soak: orders fed at a steady rate for a set time to two Ordo nodes (child processes on one
 * FerretDB, socket.io through Redis) on the shipped order-fulfilment flow, while simulated
 * reviewers and packers hear of tasks on socket.io and claim / complete them over the API. When
 * the feed stops it waits (bounded) for every order to reach its end status, then asks the API
 * about every order: end status as its kind demands, exactly one completed instance, one task per
 * step. Memory of each node is sampled all along.
 *
 *   npm run bench -- soak [--duration 10m] [--rate 2] [--nodes 2] [--sample 5] [--warmup 60s] [--drain 15m] [--stall 3m]
 *   (or SOAK_DURATION / SOAK_RATE / SOAK_NODES; the default is 2 minutes at 1 order/s)
 *
 * Figures: a table per minute; the last line is one JSON object. p99_ms is the p99 step latency:
 * from the moment the system has the order (accepted, or a human step completed) until the next
 * human task reaches an operator's socket, or the order shows its end status. rss_growth_mb is,
 * per node, the median RSS of the last minute of the feed minus the median RSS of the minute after
 * warm-up; the largest of the nodes. There is no raw-library counterpart, so no vs_raw.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startCluster, medianRss, slopeMbPerMin, type BenchNode, runBenchMain } from './lib/cluster';
import { drain, feed, openDesk, pct, verify, type Tracker } from './lib/order-desk';
import { round, table } from './lib/ordo';

function arg(name: string, env: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  return process.env[env] ?? dflt;
}

/** "10m", "90s", "1h", "120" (seconds) → ms */
export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (use e.g. 10m, 90s, 600)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * ({ ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 } as Record<string, number>)[unit]);
}

const DURATION = durationMs(arg('duration', 'SOAK_DURATION', '2m'));
const RATE = Number(arg('rate', 'SOAK_RATE', '1'));
const NODES = Number(arg('nodes', 'SOAK_NODES', '2'));
const SAMPLE_MS = durationMs(arg('sample', 'SOAK_SAMPLE', '5s'));
const WARMUP = durationMs(arg('warmup', 'SOAK_WARMUP', String(Math.round(Math.min(60_000, DURATION / 4) / 1000))));
const DRAIN_MAX = durationMs(arg('drain', 'SOAK_DRAIN', '15m'));
/** an open order that made no progress for this long counts as lost (and ends the drain) */
const STALL_MS = durationMs(arg('stall', 'SOAK_STALL', '3m'));
const say = (s: string) => process.stdout.write(`${s}\n`);

function minuteRow(label: string, from: number, to: number, tracker: Tracker, nodes: BenchNode[], clusterOffset: number): Record<string, string | number> {
  const inWin = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= from && x.t < to);
  const flows = inWin(tracker.flows);
  const steps = inWin(tracker.steps);
  const row: Record<string, string | number> = {
    minute: label,
    orders_in: inWin(tracker.intake).length,
    completed: flows.length,
    open_at_end: [...tracker.orders.values()].filter((o) => o.acceptedAt < to && (o.endAt === undefined || o.endAt >= to)).length,
    step_p50_ms: steps.length ? pct(steps, 50) : '-',
    step_p99_ms: steps.length ? pct(steps, 99) : '-',
    flow_p50_ms: flows.length ? pct(flows, 50) : '-',
    flow_p99_ms: flows.length ? pct(flows, 99) : '-',
    intake_p99_ms: inWin(tracker.intake).length ? pct(inWin(tracker.intake), 99) : '-',
    errors: inWin(tracker.errors).length,
  };
  for (const n of nodes) {
    const last = n.samples.filter((s) => s.t < to + clusterOffset).pop();
    row[`${n.name}_rss_mb`] = last ? round(last.rssMb, 0) : '-';
    row[`${n.name}_heap_mb`] = last ? round(last.heapUsedMb, 0) : '-';
    row[`${n.name}+chromium_mb`] = last ? round(last.treeRssMb, 0) : '-';
  }
  return row;
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const load0 = os.loadavg();
  const cluster = await startCluster({ sampleMs: SAMPLE_MS });
  // performance.now() of the bench → ms since the cluster started (the memory samples' clock)
  const clusterOffset = Date.now() - cluster.startedAt - performance.now();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cluster.close().finally(() => process.exit(130)));
  try {
    const names = ['A', 'B', 'C', 'D'].slice(0, NODES);
    // one after the other: the first start of a database deploys the reference content
    for (const n of names) await cluster.startNode(n);
    const urls = cluster.nodes.map((n) => n.url);
    const desk = await openDesk(urls, { reviewers: 3, packers: 4, thinkMs: 0, sweepMs: 10_000, runId });
    say(`soak: ${NODES} node(s), ${RATE} orders/s for ${DURATION / 1000} s (warm-up ${WARMUP / 1000} s), memory sampled every ${SAMPLE_MS / 1000} s; reference flow, mix 60 % automatic, 25 % manual review (1 in 5 declined), 15 % rejected by the rules`);
    say(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}`);

    const t0 = performance.now();
    const feedEnd = t0 + DURATION;
    const rows: Array<Record<string, string | number>> = [];
    let minute = 0;
    const ticker = setInterval(() => {
      const from = t0 + minute * 60_000;
      // whole minutes of the feed only; a partial last minute and the drain are added after the feed
      if (performance.now() < from + 60_000 || from + 60_000 > feedEnd) return;
      const row = minuteRow(String(minute + 1), from, from + 60_000, desk.tracker, cluster.nodes, clusterOffset);
      rows.push(row);
      // live progress on stderr (the runner relays stdout only at the end)
      process.stderr.write(`[soak] minute ${row.minute}: in ${row.orders_in}, completed ${row.completed}, open ${row.open_at_end}, step p99 ${row.step_p99_ms} ms, errors ${row.errors}, ${cluster.nodes.map((n) => `${n.name} rss ${row[`${n.name}_rss_mb`]} MB`).join(', ')}\n`);
      minute++;
    }, 1000);
    const fed = await feed(desk, { ratePerS: RATE, until: () => performance.now() >= feedEnd, mix: 'reference', runId });
    const fedAt = performance.now();
    process.stderr.write(`[soak] feed stopped: ${fed} orders posted\n`);
    say(`feed stopped: ${fed} orders posted; waiting for every order to reach its end (at most ${DRAIN_MAX / 1000} s, or ${STALL_MS / 1000} s without progress)`);
    const drainedMs = await drain(desk.tracker, DRAIN_MAX, STALL_MS);
    clearInterval(ticker);
    // the minutes not yet printed (the last partial minute of the feed, and the drain)
    for (; t0 + minute * 60_000 < feedEnd; minute++) rows.push(minuteRow(String(minute + 1), t0 + minute * 60_000, Math.min(t0 + (minute + 1) * 60_000, fedAt), desk.tracker, cluster.nodes, clusterOffset));
    rows.push(minuteRow('drain', fedAt, performance.now() + 1, desk.tracker, cluster.nodes, clusterOffset));
    await desk.stop();
    const verdict = await verify(desk.tracker, desk.admin, STALL_MS);
    const load1 = os.loadavg();

    // memory: the minute after warm-up against the last minute of the feed, per node
    const warmEnd = t0 + WARMUP + clusterOffset;
    const steadyEnd = fedAt + clusterOffset;
    const window = Math.min(60_000, (steadyEnd - warmEnd) / 3);
    const memory = cluster.nodes.map((n) => {
      const base = medianRss(n.samples, warmEnd, warmEnd + window);
      const end = medianRss(n.samples, steadyEnd - window, steadyEnd);
      const heapBase = medianRss(n.samples, warmEnd, warmEnd + window, 'heapUsedMb');
      const heapEnd = medianRss(n.samples, steadyEnd - window, steadyEnd, 'heapUsedMb');
      return {
        node: n.name,
        rss_after_warmup_mb: round(base, 0),
        rss_end_mb: round(end, 0),
        rss_growth_mb: round(end - base, 1),
        rss_slope_mb_per_min: round(slopeMbPerMin(n.samples, warmEnd, steadyEnd), 2),
        heap_after_warmup_mb: round(heapBase, 0),
        heap_end_mb: round(heapEnd, 0),
        heap_growth_mb: round(heapEnd - heapBase, 1),
        heap_slope_mb_per_min: round(slopeMbPerMin(n.samples, warmEnd, steadyEnd, 'heapUsedMb'), 2),
        with_chromium_end_mb: round(medianRss(n.samples, steadyEnd - window, steadyEnd, 'treeRssMb'), 0),
        samples: n.samples.length,
      };
    });

    const tr = desk.tracker;
    say('');
    say(`per minute (${NODES} node(s), ${RATE} orders/s; step = system time between human steps; flow = accepted → end status, operators act at once)`);
    say(table(rows));
    say('');
    say('memory per node (median of the window; slope = least squares over the steady state)');
    say(table(memory));
    say('');
    const errorKinds = new Map<string, number>();
    for (const e of tr.errors) errorKinds.set(e.what.replace(/\d{3,}/g, '#').slice(0, 80), (errorKinds.get(e.what.replace(/\d{3,}/g, '#').slice(0, 80)) ?? 0) + 1);
    if (errorKinds.size) say(`errors by kind: ${[...errorKinds].map(([k, n]) => `${k} ×${n}`).join('; ')}`);
    say(`checked ${verdict.checked} orders over the API: ${verdict.completed} at the expected end status with one completed instance; lost ${verdict.lost.length}${verdict.lost.length ? ` (${verdict.lost.slice(0, 10).join(', ')})` : ''}; still moving at the drain bound ${verdict.unfinished.length}${verdict.unfinished.length ? ` (${verdict.unfinished.slice(0, 5).join(', ')})` : ''}; wrong end ${verdict.wrongState.length}${verdict.wrongState.length ? ` (${verdict.wrongState.slice(0, 10).join(', ')})` : ''}; duplicate instances ${verdict.duplicateInstances.length}${verdict.duplicateInstances.length ? ` (${verdict.duplicateInstances.slice(0, 10).join(', ')})` : ''}; duplicate tasks ${verdict.duplicateTasks.length}`);
    say(`drain took ${round(drainedMs / 1000, 1)} s; tasks completed ${tr.tasksDone}; tasks found by the sweep, not the socket: ${tr.socketMissed}; load average at end ${load1.map((l) => l.toFixed(2)).join(' ')}`);

    const steadyFlows = tr.flows.filter((f) => f.t >= t0 + WARMUP && f.t < fedAt);
    say(
      JSON.stringify({
        bench: 'soak',
        nodes: NODES,
        duration_s: round(DURATION / 1000, 0),
        rate_per_s: RATE,
        orders_in: tr.orders.size,
        orders_completed: verdict.completed,
        orders_lost: verdict.lost.length,
        orders_unfinished: verdict.unfinished.length,
        orders_wrong_end: verdict.wrongState.length,
        duplicate_instances: verdict.duplicateInstances.length,
        duplicate_tasks: verdict.duplicateTasks.length,
        intake_failed: tr.intakeFailed,
        errors: tr.errors.length,
        completed_per_s: round(steadyFlows.length / ((fedAt - t0 - WARMUP) / 1000), 2),
        p50_ms: pct(tr.steps, 50),
        p99_ms: pct(tr.steps, 99),
        flow_p50_ms: pct(tr.flows, 50),
        flow_p99_ms: pct(tr.flows, 99),
        intake_p99_ms: pct(tr.intake, 99),
        drain_s: round(drainedMs / 1000, 1),
        rss_growth_mb: Math.max(...memory.map((m) => m.rss_growth_mb)),
        heap_growth_mb: Math.max(...memory.map((m) => m.heap_growth_mb)),
        rss_mb: Object.fromEntries(memory.map((m) => [m.node, [m.rss_after_warmup_mb, m.rss_end_mb]])),
        rss_slope_mb_per_min: Math.max(...memory.map((m) => m.rss_slope_mb_per_min)),
        socket_missed: tr.socketMissed,
        load_avg: [round(load0[0], 2), round(load1[0], 2)],
      }),
    );
    if (verdict.lost.length || verdict.unfinished.length || verdict.wrongState.length || verdict.duplicateInstances.length || verdict.duplicateTasks.length || tr.intakeFailed) process.exitCode = 1;
  } finally {
    await cluster.close();
  }
}

runBenchMain(main);
