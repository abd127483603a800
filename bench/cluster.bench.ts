/**
 * Node scaling and recovery on one machine, on the shipped order-fulfilment flow with automatic
 * review and allocation (every order: rules against the reference ERP, packing slip printed, one
 * packer completes the pack task over the API after hearing of it on socket.io):
 *  1. one node: a closed loop keeps --inflight orders open; completed flows/s and p99 step latency
 *     over --window seconds after a warm-up (at least --warmup s and until --inflight flows completed,
 *     so the pipeline is full however slow the machine is);
 *  2. two nodes (child processes, one FerretDB, one SECRET_KEY, socket.io through Redis): the same;
 *     scaling ratio = two-node flows/s ÷ one-node flows/s;
 *  3. recovery: under the same load on both nodes, node B is killed with SIGKILL; recovery_ms is the
 *     time until every order that was open at that moment has progressed again (a task reached an
 *     operator, a task completed, or the order ended), now on node A. Clients fail over to A as
 *     behind a load balancer; B's unfinished work waits for its lease (LEASE_MS, default 30 s).
 * Then every order is checked over the API (end status, one instance, one task per step).
 *
 *   npm run bench -- cluster [--inflight 12] [--window 30] [--warmup 10] [--lease 30000]
 *
 * No raw-library counterpart exists for a cluster, so no vs_raw; scaling_ratio is the ratio that matters.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startCluster, runBenchMain } from './lib/cluster';
import { drain, openDesk, pct, placeOrder, verify, type Desk, type Verdict } from './lib/order-desk';
import { round, table } from './lib/ordo';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const INFLIGHT = arg('inflight', 12);
const WINDOW_MS = arg('window', 30) * 1000;
const WARMUP_MS = arg('warmup', 10) * 1000;
const LEASE_MS = arg('lease', 30_000);
const say = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps `inflight` orders open (accepted, not ended) until `until()`; returns the next order index. */
async function closedLoop(desk: Desk, runId: string, from: number, until: () => boolean): Promise<number> {
  let i = from;
  let posting = 0;
  const pending = new Set<Promise<unknown>>();
  while (!until()) {
    const open = desk.tracker.open().length + posting;
    if (open < INFLIGHT) {
      posting++;
      const p = placeOrder(desk, i++, 'auto', runId).finally(() => {
        posting--;
        pending.delete(p);
      });
      pending.add(p);
    } else await sleep(20);
  }
  await Promise.all(pending);
  return i;
}

interface Phase {
  phase: string;
  nodes: number;
  flows_per_s: number;
  step_p50_ms: number;
  step_p99_ms: number;
  flow_p99_ms: number;
  errors: number;
}

/** progress on stderr (the runner shows stderr live; stdout is the bench's result) */
function progress(label: string, desk: Desk): () => void {
  const t0 = performance.now();
  const timer = setInterval(() => {
    const tr = desk.tracker;
    const last = tr.errors[tr.errors.length - 1];
    process.stderr.write(`[cluster ${label} +${Math.round((performance.now() - t0) / 1000)} s] accepted ${tr.orders.size}, ended ${tr.flows.length}, open ${tr.open().length}, tasks done ${tr.tasksDone}, errors ${tr.errors.length}${last ? ` (last: ${last.what.slice(0, 120)})` : ''}\n`);
  }, 10_000);
  return () => clearInterval(timer);
}

async function measure(desk: Desk, label: string, nodes: number, runId: string): Promise<Phase> {
  const stop = progress(label, desk);
  const t0 = performance.now();
  const tr = desk.tracker;
  let from = Infinity;
  const to = () => from + WINDOW_MS;
  await closedLoop(desk, runId, 0, () => {
    const t = performance.now();
    if (from === Infinity && t - t0 >= WARMUP_MS && (tr.flows.length >= INFLIGHT || t - t0 >= 90_000)) from = t;
    return t >= to();
  });
  await drain(tr, 300_000, 90_000);
  stop();
  const flows = tr.flows.filter((f) => f.t >= from && f.t < to());
  const steps = tr.steps.filter((s) => s.t >= from && s.t < to());
  return {
    phase: label,
    nodes,
    flows_per_s: round(flows.length / (WINDOW_MS / 1000), 2),
    step_p50_ms: pct(steps, 50),
    step_p99_ms: pct(steps, 99),
    flow_p99_ms: pct(flows, 99),
    errors: tr.errors.filter((e) => e.t >= from && e.t < to()).length,
  };
}

async function main() {
  const load0 = os.loadavg();
  const cluster = await startCluster({ sampleMs: 2000, env: { LEASE_MS: String(LEASE_MS) } });
  const verdicts: Verdict[] = [];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cluster.close().finally(() => process.exit(130)));
  try {
    const a = await cluster.startNode('A');
    say(`cluster: reference flow with automatic review and allocation, ${INFLIGHT} orders kept open, warm-up ${WARMUP_MS / 1000} s, window ${WINDOW_MS / 1000} s, lease ${LEASE_MS / 1000} s; load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}`);

    const one = await openDesk([a.url], { reviewers: 1, packers: 4, thinkMs: 0, sweepMs: 3000, runId: `1${crypto.randomBytes(2).toString('hex')}` });
    const p1 = await measure(one, 'one node', 1, 'one');
    await one.stop();
    verdicts.push(await verify(one.tracker, one.admin));
    say(`  one node: ${p1.flows_per_s} flows/s, step p99 ${p1.step_p99_ms} ms`);

    const b = await cluster.startNode('B');
    const two = await openDesk([a.url, b.url], { reviewers: 2, packers: 4, thinkMs: 0, sweepMs: 3000, runId: `2${crypto.randomBytes(2).toString('hex')}` });
    const p2 = await measure(two, 'two nodes', 2, 'two');
    say(`  two nodes: ${p2.flows_per_s} flows/s, step p99 ${p2.step_p99_ms} ms`);

    // 3. the same load on both nodes, then B is killed
    const tr = two.tracker;
    const stopProgress = progress('kill', two);
    const feeding = { on: true };
    const loop = closedLoop(two, 'kill', 0, () => !feeding.on);
    await sleep(WARMUP_MS);
    // orders that had already stopped moving before the kill (none, when nothing is lost) are not the kill's to recover
    const stalledBefore = tr.open().filter((o) => performance.now() - o.lastProgressAt > 60_000).map((o) => o.number);
    const openAtKill = tr.open().filter((o) => !stalledBefore.includes(o.number)).map((o) => o.number);
    const onB = new Set(tr.open().filter((o) => o.node === b.url).map((o) => o.number));
    const killAt = tr.markKill();
    await b.stop('SIGKILL');
    say(`  killed node B (SIGKILL) with ${openAtKill.length} orders open (${onB.size} accepted by B)`);
    const recoverBy = killAt + Math.max(120_000, LEASE_MS * 4);
    while (performance.now() < recoverBy && openAtKill.some((n) => !tr.firstProgress.has(n) && tr.orders.get(n)!.endAt === undefined)) await sleep(100);
    const recoveredAt = performance.now();
    const progressMs = openAtKill.map((n) => (tr.firstProgress.get(n) ?? recoveredAt) - killAt).sort((x, y) => x - y);
    const stuck = openAtKill.filter((n) => !tr.firstProgress.has(n) && tr.orders.get(n)!.endAt === undefined);
    for (const n of stuck.slice(0, 5)) {
      const o = await two.admin.request('GET', `/api/orders/${n}`).catch((e: Error) => ({ status: 0, body: e.message }));
      const i = await two.admin.request('GET', `/api/instances?businessKey=${n}`).catch((e: Error) => ({ status: 0, body: e.message }));
      process.stderr.write(`[cluster] no progress after the kill: ${n} order ${JSON.stringify({ status: o.body?.status, flow: o.body?.flow })} instances ${JSON.stringify(i.body?.items?.map((x: { status: string; id: string }) => [x.id, x.status]))}\n`);
    }
    const afterKill = tr.flows.filter((f) => f.t > killAt);
    const firstFlowOnA = afterKill.length ? afterKill[0].t - killAt : NaN;
    feeding.on = false;
    await loop;
    const drainedMs = await drain(tr, 300_000, 90_000);
    stopProgress();
    await two.stop();
    verdicts.push(await verify(tr, two.admin));
    const recovery = {
      open_at_kill: openAtKill.length,
      stalled_before_kill: stalledBefore.length,
      recovery_ms: round(progressMs[progressMs.length - 1] ?? NaN, 0),
      recovery_p50_ms: round(progressMs[Math.floor(progressMs.length / 2)] ?? NaN, 0),
      waited_over_5s: progressMs.filter((ms) => ms > 5000).length,
      never_progressed: stuck.length,
      first_flow_completed_after_kill_ms: round(firstFlowOnA, 0),
      errors_after_kill: tr.errors.filter((e) => e.t > killAt).length,
      drain_s: round(drainedMs / 1000, 1),
    };

    const all = verdicts.reduce((s, v) => ({ checked: s.checked + v.checked, completed: s.completed + v.completed, lost: s.lost + v.lost.length, unfinished: s.unfinished + v.unfinished.length, wrong: s.wrong + v.wrongState.length, dupI: s.dupI + v.duplicateInstances.length, dupT: s.dupT + v.duplicateTasks.length }), { checked: 0, completed: 0, lost: 0, unfinished: 0, wrong: 0, dupI: 0, dupT: 0 });
    const lostList = verdicts.flatMap((v) => [...v.lost, ...v.unfinished.map((u) => `still moving: ${u}`), ...v.duplicateInstances.map((d) => `instances: ${d}`)]);
    const load1 = os.loadavg();
    say('');
    say(table([p1, p2] as unknown as Array<Record<string, string | number>>));
    say('');
    say(`recovery after kill -9 of node B (lease ${LEASE_MS / 1000} s):`);
    say(table([recovery]));
    say(`checked ${all.checked} orders over the API: ${all.completed} complete, lost ${all.lost}${lostList.length ? ` (${lostList.slice(0, 10).join(', ')})` : ''}, wrong end ${all.wrong}, duplicate instances ${all.dupI}, duplicate tasks ${all.dupT}; load average at end ${load1.map((l) => l.toFixed(2)).join(' ')}`);
    say(
      JSON.stringify({
        bench: 'cluster',
        inflight: INFLIGHT,
        one_node_flows_per_s: p1.flows_per_s,
        two_node_flows_per_s: p2.flows_per_s,
        scaling_ratio: round(p2.flows_per_s / p1.flows_per_s, 2),
        one_node_step_p99_ms: p1.step_p99_ms,
        two_node_step_p99_ms: p2.step_p99_ms,
        one_node_flow_p99_ms: p1.flow_p99_ms,
        two_node_flow_p99_ms: p2.flow_p99_ms,
        lease_ms: LEASE_MS,
        ...recovery,
        orders_in: all.checked,
        orders_completed: all.completed,
        orders_lost: all.lost + all.wrong,
        orders_unfinished: all.unfinished,
        duplicate_instances: all.dupI,
        duplicate_tasks: all.dupT,
        load_avg: [round(load0[0], 2), round(load1[0], 2)],
      }),
    );
    if (all.lost || all.unfinished || all.wrong || all.dupI || all.dupT) process.exitCode = 1;
  } finally {
    await cluster.close();
  }
}

runBenchMain(main);
