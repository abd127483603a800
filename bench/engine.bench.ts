/**
 * Engine: the straight-through flow (start, 3 service tasks, exclusive gateway, 2 ends), run by
 * Ordo's persisted runtime (every instance inserted, locked, its services counted and its result,
 * history and path saved in FerretDB) next to raw in-memory bpmn-engine 25 on the same flow, in
 * the same run, interleaved in rounds: sequential and 50 concurrent instances/s. Then: p50/p99
 * from completing a user task to the next wait being saved, engine state bytes per waiting
 * instance, and the heap of this process while N instances wait (they are in the database).
 * Last stdout line: JSON with ordo_per_s, raw_per_s, vs_raw and the rest.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { Engine } from 'bpmn-engine';
import { connectDatabase, databaseReachable } from '../server/db/connection';
import { WorkflowRuntime, FileFormRegistry, SYSTEM_ACTOR, type TaskActor } from '../engine';
import { parseDefinition } from '../engine/definitions/compile';
import { deserializeSource } from '../engine/definitions/compile';
import type { ConnectorInvoker, RuleEvaluator } from '../engine/ports';
import { percentile, round, startBenchDatabase, table } from './lib/ordo';
import path from 'node:path';

const ROUND_MS = Number(process.env.ENGINE_BENCH_ROUND_MS ?? 2500);
const ROUNDS = Number(process.env.ENGINE_BENCH_ROUNDS ?? 2);
const WAITING = Number(process.env.ENGINE_BENCH_WAITING ?? 10_000);
const COMPLETIONS = Number(process.env.ENGINE_BENCH_COMPLETIONS ?? 200);

const HEAD = `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="bench" targetNamespace="http://ordo.dev/bench">`;
const step = (id: string) =>
  `<bpmn:serviceTask id="${id}"><bpmn:extensionElements><camunda:connector><camunda:connectorId>bench.step</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>`;
/** Ordo's dialect: connector service tasks and an allow-listed condition */
const STRAIGHT = `${HEAD}<bpmn:process id="straight" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s1"/>${step('s1')}<bpmn:sequenceFlow id="f2" sourceRef="s1" targetRef="s2"/>${step('s2')}
<bpmn:sequenceFlow id="f3" sourceRef="s2" targetRef="s3"/>${step('s3')}<bpmn:sequenceFlow id="f4" sourceRef="s3" targetRef="gw"/>
<bpmn:exclusiveGateway id="gw" default="fNo"/><bpmn:sequenceFlow id="fYes" sourceRef="gw" targetRef="endOk"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${variables.ok == true}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="fNo" sourceRef="gw" targetRef="endOther"/><bpmn:endEvent id="endOk"/><bpmn:endEvent id="endOther"/></bpmn:process></bpmn:definitions>`;
/** the same flow for raw bpmn-engine: its default expression syntax */
const STRAIGHT_RAW = STRAIGHT.replace('${variables.ok == true}', '${environment.variables.ok}');
const TASKS = `${HEAD}<bpmn:process id="tasks" isExecutable="true"><bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/><bpmn:userTask id="first" camunda:formKey="bench"/>
<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="s1"/>${step('s1')}<bpmn:sequenceFlow id="f3" sourceRef="s1" targetRef="second"/>
<bpmn:userTask id="second" camunda:formKey="bench"/><bpmn:sequenceFlow id="f4" sourceRef="second" targetRef="end"/><bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>`;

const NOOP_LOGGER = () => ({ debug() {}, error() {}, warn() {}, info() {} });
const ADMIN: TaskActor = { kind: 'system', id: 'bench', label: 'bench', groups: [], canSeeAll: true, canAssign: true };

function gcNow(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
}

async function main() {
  const db = await startBenchDatabase();
  const connection = await connectDatabase(db.uri);
  const connectors: ConnectorInvoker = { has: () => false, invoke: async () => ({}) };
  const rules: RuleEvaluator = { has: async () => false, evaluate: async () => Promise.reject(new Error('no rules in this bench')) };
  const forms = new FileFormRegistry(path.join(__dirname, '..', 'tests', 'fixtures', 'bpmn', 'forms'));
  const BENCH_FORM = { key: 'bench', schema: { type: 'object', properties: { checked: { type: 'boolean' } } } };
  const benchForm = { get: async (key: string) => (key === 'bench' ? BENCH_FORM : forms.get(key)) };
  const runtime = new WorkflowRuntime({ connection, logger: pino({ level: 'silent' }), connectors, rules, forms: benchForm, events: new EventEmitter() });
  runtime.registerHandler('bench.step', () => ({ done: true }));
  await runtime.init();
  await runtime.deploy({ xml: STRAIGHT, actor: SYSTEM_ACTOR });
  await runtime.deploy({ xml: TASKS, actor: SYSTEM_ACTOR });

  // raw bpmn-engine: the same definition parsed once into a shared sourceContext, services answering at once
  const rawSource = deserializeSource((await parseDefinition(STRAIGHT_RAW)).serialized);
  const rawExtension = (activity: { type: string; behaviour: Record<string, unknown> }) => {
    if (activity.type === 'bpmn:ServiceTask')
      activity.behaviour.Service = function Service(this: { execute: unknown }) {
        this.execute = (_m: unknown, cb: (e: unknown, r?: unknown) => void) => void Promise.resolve({ done: true }).then((r) => cb(null, r));
      };
    return { activate() {}, deactivate() {} };
  };
  const rawOne = () =>
    new Promise<void>((resolve, reject) => {
      const engine = new Engine({ name: 'raw', sourceContext: rawSource as never, extensions: { bench: rawExtension as never }, Logger: NOOP_LOGGER as never } as never);
      engine.once('end', () => resolve());
      engine.once('error', reject);
      void engine.execute({ variables: { ok: true } } as never).catch(reject);
    });
  let ordoCompleted = 0;
  const ordoOne = async () => {
    const inst = await runtime.startInstance({ processKey: 'straight', variables: { ok: true } });
    if (inst.status !== 'completed') throw new Error(`instance ${inst.id} is ${inst.status}`);
    ordoCompleted++;
  };

  const measure = async (fn: () => Promise<void>, concurrency: number): Promise<number> => {
    let n = 0;
    const end = Date.now() + ROUND_MS;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          await fn();
          n++;
        }
      }),
    );
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  };

  for (let i = 0; i < 30; i++) {
    await rawOne();
    await ordoOne();
  }
  // every collection the measured paths use exists now (a task completed too); restart the database
  // as a restarted Ordo would, so they have the _id index FerretDB's lookups can use (server/db/ferretdb.ts)
  const warm = await runtime.startInstance({ processKey: 'tasks' });
  const { items: warmTasks } = await runtime.tasks.list({ queue: 'all', instanceId: warm.id }, ADMIN);
  await runtime.tasks.complete(warmTasks[0].id, { checked: true }, ADMIN);
  await db.restart();
  while (!(await databaseReachable(connection))) await new Promise((r) => setTimeout(r, 100));
  const results: Record<string, number[]> = { raw_seq: [], ordo_seq: [], raw_50: [], ordo_50: [] };
  for (let r = 0; r < ROUNDS; r++) {
    results.raw_seq.push(await measure(rawOne, 1));
    results.ordo_seq.push(await measure(ordoOne, 1));
    results.raw_50.push(await measure(rawOne, 50));
    results.ordo_50.push(await measure(ordoOne, 50));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const raw = median(results.raw_seq);
  const ordo = median(results.ordo_seq);
  const raw50 = median(results.raw_50);
  const ordo50 = median(results.ordo_50);

  // completing a user task → the next wait saved
  const waiting = await Promise.all(Array.from({ length: COMPLETIONS }, () => runtime.startInstance({ processKey: 'tasks' })));
  const latencies: number[] = [];
  for (const inst of waiting) {
    const { items } = await runtime.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN);
    const t0 = process.hrtime.bigint();
    await runtime.tasks.complete(items[0].id, { checked: true }, ADMIN);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  const stateBytes: number[] = [];
  for (const inst of waiting.slice(0, 50)) stateBytes.push(Buffer.byteLength((await runtime.rawInstance(inst.id))!.state ?? ''));
  const avgState = stateBytes.reduce((a, b) => a + b, 0) / stateBytes.length;

  // N instances waiting at a user task: created through the runtime, then the heap of this process
  gcNow();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = Date.now();
  let created = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (created < WAITING && Date.now() - started < 90_000) {
        created++;
        await runtime.startInstance({ processKey: 'tasks' });
      }
    }),
  );
  gcNow();
  const heapDeltaMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const perInstanceKb = (heapDeltaMb * 1024) / created;

  const rows = [
    { figure: 'straight-through, sequential (inst/s)', ordo: round(ordo), raw_bpmn_engine: round(raw), ratio: round(ordo / raw, 2) },
    { figure: 'straight-through, 50 concurrent (inst/s)', ordo: round(ordo50), raw_bpmn_engine: round(raw50), ratio: round(ordo50 / raw50, 2) },
    { figure: 'task completed → next wait saved p50 (ms)', ordo: round(percentile(latencies, 50), 2), raw_bpmn_engine: '-', ratio: '-' },
    { figure: 'task completed → next wait saved p99 (ms)', ordo: round(percentile(latencies, 99), 2), raw_bpmn_engine: '-', ratio: '-' },
    { figure: 'engine state per waiting instance (bytes)', ordo: Math.round(avgState), raw_bpmn_engine: '-', ratio: '-' },
    { figure: `heap for ${created} waiting instances (MB)`, ordo: round(heapDeltaMb, 1), raw_bpmn_engine: `~${Math.round((created * 534) / 1024)} (0.53 MB each, notes §4c)`, ratio: '-' },
  ];
  process.stdout.write(`Engine bench: ${ROUNDS} rounds × ${ROUND_MS} ms per configuration, interleaved; ${ordoCompleted} persisted instances completed; FerretDB (SQLite) on loopback\n`);
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'engine',
      ordo_per_s: round(ordo),
      raw_per_s: round(raw),
      vs_raw: round(ordo / raw, 2),
      ordo_50_per_s: round(ordo50),
      raw_50_per_s: round(raw50),
      vs_raw_50: round(ordo50 / raw50, 2),
      complete_p50_ms: round(percentile(latencies, 50), 2),
      complete_p99_ms: round(percentile(latencies, 99), 2),
      state_bytes_per_waiting: Math.round(avgState),
      waiting_instances: created,
      heap_mb_for_waiting: round(heapDeltaMb, 1),
      heap_kb_per_waiting: round(perInstanceKb, 2),
    })}\n`,
  );
  await runtime.stop();
  await connection.close();
  await db.stop();
}

main().catch((err) => {
  process.stderr.write(`engine bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
