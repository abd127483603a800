/**
 * 50 operators race to claim 100 open tasks over the API. The tasks are made by the real runtime
 * (100 instances of a one-task process started through POST /api/instances); every operator claims
 * every task in the same order, so each task sees 50 claims at nearly the same moment. A double
 * claim is a task for which more than one claim answered 200; the tasks' final holders are checked
 * against the winners too. Without a task API it reports that no race was run (null, never 0).
 */
import { performance } from 'node:perf_hooks';
import type { RunningOrdo } from '../../server/main';
import { ApiClient } from '../../tests/helpers/server';
import { BENCH_ADMIN, round } from './ordo';

export interface ClaimRaceResult {
  summary: string;
  claimsPerS: number | null;
  doubleClaims: number | null;
}

const OPERATORS = 50;
const TASKS = 100;
const GROUP = 'pickers';
const PASSWORD = 'bench-operator-1';

/** A process of one user task for the group "pickers": each instance is one open task (the benches' unit of work). */
export function oneTaskProcess(key: string, name: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="${key}-defs" targetNamespace="http://ordo.dev/bench">
  <bpmn:process id="${key}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pick" />
    <bpmn:userTask id="pick" name="Pick" camunda:candidateGroups="${GROUP}" camunda:formKey="manual-review" camunda:priority="50" />
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

/** Signs in, waiting out the per-node sign-in rate limit (30 a minute per address) instead of failing. */
async function signIn(url: string, email: string, password: string): Promise<ApiClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new ApiClient(url).login(email, password);
    } catch (err) {
      if (!/failed: 429/.test((err as Error).message) || attempt > 30) throw err;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

async function expect2xx<T>(what: string, p: Promise<{ status: number; body: T }>): Promise<T> {
  const res = await p;
  if (res.status < 200 || res.status > 299) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

export async function claimRace(ordo: RunningOrdo, operators: ApiClient[]): Promise<ClaimRaceResult> {
  const hasTasks = ordo.routes.some((r) => r.method === 'post' && /\/api\/tasks\/:[^/]+\/claim$/.test(r.path));
  if (!hasTasks) return { summary: 'claim race: not run (no task API on this build)', claimsPerS: null, doubleClaims: null };

  const admin = await signIn(ordo.url, BENCH_ADMIN.email, BENCH_ADMIN.password);
  await expect2xx('deploy', admin.post('/api/workflows', { xml: oneTaskProcess('bench-claim', 'Claim race') }));

  // the operators given (group "pickers") plus enough new ones to make 50
  const racers = [...operators];
  for (let i = racers.length; i < OPERATORS; i++) {
    const email = `racer${i}@bench.local`;
    await expect2xx('create operator', admin.post('/api/users', { email, name: email, role: 'operator', groups: [GROUP], password: PASSWORD }));
    racers.push(await signIn(ordo.url, email, PASSWORD));
  }

  for (let i = 0; i < TASKS; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => expect2xx('start', admin.post('/api/instances', { processKey: 'bench-claim', businessKey: `RACE-${i + j}` }))));
  }
  const open = await expect2xx<{ items: Array<{ id: string }> }>('list', admin.get(`/api/tasks?queue=all&processKey=bench-claim&status=open&limit=500`));
  if (open.items.length !== TASKS) throw new Error(`expected ${TASKS} open tasks, the runtime made ${open.items.length}`);
  const ids = open.items.map((t) => t.id);

  const wins = new Map<string, string[]>(ids.map((id) => [id, []]));
  const statuses = new Map<number, number>();
  let requests = 0;
  const started = performance.now();
  await Promise.all(
    racers.map(async (client, k) => {
      for (const id of ids) {
        const res = await client.post(`/api/tasks/${encodeURIComponent(id)}/claim`);
        requests++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) wins.get(id)!.push(`racer-${k}:${res.body.claimedByLabel}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const doubleClaims = [...wins.values()].reduce((n, w) => n + Math.max(0, w.length - 1), 0);
  const unclaimed = [...wins.values()].filter((w) => w.length === 0).length;
  // the stored holder of every task is the one winner the API answered 200
  let holderMismatch = 0;
  const after = await expect2xx<{ items: Array<{ id: string; claimedByLabel: string | null }> }>('list', admin.get(`/api/tasks?queue=all&processKey=bench-claim&status=claimed&limit=500`));
  for (const t of after.items) {
    const w = wins.get(t.id) ?? [];
    if (w.length !== 1 || !w[0].endsWith(`:${t.claimedByLabel}`)) holderMismatch++;
  }
  holderMismatch += TASKS - after.items.length;
  const errors = [...statuses].filter(([s]) => s !== 200 && s !== 409).reduce((n, [, c]) => n + c, 0);
  const claimsPerS = round(requests / seconds, 1);
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`).join(' ');
  return {
    summary:
      `claim race: ${racers.length} operators × ${TASKS} tasks (same order, runtime-made): ${requests} claim requests in ${round(seconds, 2)} s = ${claimsPerS}/s; ` +
      `answers ${byStatus}; tasks won once: ${TASKS - unclaimed - doubleClaims}/${TASKS}; double claims: ${doubleClaims}; stored holder ≠ winner: ${holderMismatch}; other errors: ${errors}`,
    claimsPerS,
    doubleClaims: doubleClaims + holderMismatch,
  };
}
