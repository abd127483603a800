/**
 * A WorkflowRuntime on this test file's own database, with real parts: the fixture forms folder,
 * a json-rules-engine evaluator over a fixture rule set, and connectors that are plain functions
 * registered by the test (no library is mocked).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Engine as RulesEngine } from 'json-rules-engine';
import pino from 'pino';
import type { Connection } from 'mongoose';
import { WorkflowRuntime, FileFormRegistry, type WorkflowRuntimeOptions, type TaskActor } from '../../engine';
import type { CallContext, ConnectorInvoker, RuleDecision, RuleEvaluator } from '../../engine/ports';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'bpmn');
export const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** Rule sets from tests/fixtures/bpmn/<key>.rules.json run by json-rules-engine ("key" or "key@1"). */
export class FixtureRuleEvaluator implements RuleEvaluator {
  evaluations = 0;
  async has(ref: string): Promise<boolean> {
    return fs.existsSync(path.join(FIXTURES, `${ref.split('@')[0]}.rules.json`));
  }
  async evaluate(ref: string, facts: Record<string, unknown>, _ctx: CallContext): Promise<RuleDecision> {
    this.evaluations++;
    const key = ref.split('@')[0];
    const doc = JSON.parse(fixture(`${key}.rules.json`)) as { decisions: Array<{ conditions: any; event: any; priority?: number }>; default: { type: string; params?: Record<string, unknown> } };
    const engine = new RulesEngine(doc.decisions, { allowUndefinedFacts: true });
    const { events } = await engine.run(facts);
    const first = events[0] ?? doc.default;
    return { ruleSet: { key, version: 1 }, outcome: { decision: first.type, ...(first.params ?? {}) }, explanation: { fired: events.map((e) => e.type) } };
  }
}

export class FunctionConnectors implements ConnectorInvoker {
  readonly fns = new Map<string, (input: Record<string, unknown>, ctx: CallContext) => Promise<unknown>>();
  calls: Array<{ id: string; input: Record<string, unknown>; ctx: CallContext }> = [];
  has(id: string) {
    return this.fns.has(id);
  }
  async invoke(id: string, input: Record<string, unknown>, ctx: CallContext) {
    this.calls.push({ id, input, ctx });
    const fn = this.fns.get(id);
    if (!fn) throw new Error(`no connector ${id}`);
    return fn(input, ctx);
  }
}

export const silentLogger = pino({ level: process.env.ORDO_TEST_LOG_LEVEL ?? 'silent' });

export function newRuntime(connection: Connection, extra: Partial<WorkflowRuntimeOptions> = {}) {
  const events = new EventEmitter();
  const connectors = (extra.connectors as FunctionConnectors) ?? new FunctionConnectors();
  const rules = (extra.rules as FixtureRuleEvaluator) ?? new FixtureRuleEvaluator();
  const runtime = new WorkflowRuntime({
    connection,
    logger: silentLogger,
    connectors,
    rules,
    forms: new FileFormRegistry(path.join(FIXTURES, 'forms')),
    events,
    pollIntervalMs: 50,
    retry: { baseMs: 50, maxMs: 400 },
    ...extra,
  });
  return { runtime, events, connectors, rules };
}

/** Runtimes ("nodes") on one test database sharing one set of connectors; all stopped after the file. */
export function useNodes(db: { connection: Connection }, connectors: FunctionConnectors): (nodeId: string) => WorkflowRuntime {
  const running: WorkflowRuntime[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop();
  });
  return (nodeId: string) => {
    const { runtime } = newRuntime(db.connection, { connectors, nodeId });
    running.push(runtime);
    return runtime;
  };
}

export const ADMIN_ACTOR: TaskActor = { kind: 'user', id: 'u-admin', label: 'admin@test.local', groups: [], canSeeAll: true, canAssign: true };
export const reviewer = (id: string, groups: string[] = ['reviewers']): TaskActor => ({ kind: 'user', id, label: `${id}@test.local`, groups, canSeeAll: false, canAssign: false });

/** Polls `check` until it returns a truthy value (timers, pollers), failing after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 10_000, step = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, step));
  }
}

/** runs tests/features/engine-node.ts and resolves with how it ended */
export function runEngineNode(env: Record<string, string>): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>; stdout: (cb: (line: string) => void) => void; kill: (s?: NodeJS.Signals) => void } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'engine-node.ts')], { cwd: path.join(__dirname, '..', '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  return {
    done: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, output }))),
    stdout: (cb) => proc.stdout!.on('data', (d) => String(d).split('\n').forEach((l) => l && cb(l))),
    kill: (s = 'SIGTERM') => void proc.kill(s),
  };
}
