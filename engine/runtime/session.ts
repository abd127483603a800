/**
 * One command on one instance, start to settle: a fresh bpmn-engine Engine is built from the
 * cached sourceContext, the saved state is recovered and resumed (or a new run executed), the
 * command acts, the run settles (every token waits: user task, message, signal, timer, call,
 * a service parked for a retry or an incident), and the result is handed back for saving.
 * Engines never outlive a command.
 */
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { resolveTemplate, type ExpressionScope } from '../../workflows/bpmn/expressions';
import { resolveDueDate, type IoParameter, type IoValue, type RuleConfig, type ServiceConfig } from '../../workflows/bpmn/dialect';
import { CommandTimeoutError, ConflictError } from '../../workflows/model/errors';
import { ConnectorError } from '../../connectors/sdk/errors';
import type { CallContext } from '../ports';
import { isErrorCaught, type CompiledMeta } from '../definitions/compile';
import type { ActorRef, HistoryDoc, HistoryType, InstanceDoc, ParkedRecord, TaskDoc, WaitRecord } from '../persistence/store';
import type { SessionDeps } from './deps';

export type Command =
  | { kind: 'start'; variables: Record<string, unknown>; messageStartId?: string; timerStartId?: string }
  | { kind: 'completeTask'; activityId: string; executionId: string; data: Record<string, unknown>; actor: ActorRef }
  | { kind: 'message'; name: string; variables: Record<string, unknown>; actor: ActorRef; bufferedId?: string }
  | { kind: 'signal'; name: string; variables: Record<string, unknown>; actor: ActorRef }
  | { kind: 'timer' }
  | { kind: 'retry'; executionId?: string; actor?: ActorRef }
  | { kind: 'callCompleted'; executionId: string; variables: Record<string, unknown> }
  /** the called instance ended at an error end event (code) or has an incident / failed (no code) */
  | { kind: 'callFailed'; executionId: string; childId: string; message: string; code?: string }
  | { kind: 'resume' };

export interface LoadedDefinition {
  id: string;
  key: string;
  version: number;
  sourceContext: unknown;
  meta: CompiledMeta;
}

export interface NewIncident {
  id: string;
  activityId: string;
  executionId: string | null;
  jobId: string | null;
  kind: 'service' | 'engine' | 'bpmnError' | 'call';
  message: string;
  attempts: number;
}

export interface SessionResult {
  outcome: 'settled' | 'end' | 'error';
  error?: Error;
  /** the command's own action ran (false: the instance ended or failed first) */
  acted: boolean;
  state: string | null;
  variables: Record<string, unknown>;
  waits: WaitRecord[];
  parked: ParkedRecord[];
  tokens: string[];
  visited: string[];
  takenFlows: string[];
  history: Array<Omit<HistoryDoc, 'instanceId' | 'seq'>>;
  newTasks: TaskDoc[];
  incidents: NewIncident[];
  /** jobs whose attempt counters are done with (service succeeded or left) */
  finishedJobs: string[];
  calls: Array<{ executionId: string; activityId: string }>;
  thrownMessages: Array<{ activityId: string; name: string }>;
  errorEnd?: { activityId: string; code: string };
}

const RESERVED = new Set(['fields', 'content', 'properties']);
const NOOP_LOGGER = () => ({ debug() {}, error() {}, warn() {}, info() {} });

/** bpmn-engine's `expressions` option: only the allow-listed grammar, never host code. */
export const safeExpressions = {
  resolveExpression(text: unknown, context?: { environment?: { variables?: Record<string, unknown>; output?: Record<string, unknown> }; content?: unknown }) {
    if (typeof text !== 'string') return text;
    const scope: ExpressionScope = { variables: context?.environment?.variables, output: context?.environment?.output, content: context?.content };
    return resolveTemplate(text, scope);
  },
  isExpression: (text: unknown) => typeof text === 'string' && /^\$\{[^}]*\}$/.test(text),
  hasExpression: (text: unknown) => typeof text === 'string' && /\$\{[^}]*\}/.test(text),
};

export function publicVariables(vars: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!vars) return out;
  for (const [k, v] of Object.entries(vars)) if (!RESERVED.has(k)) out[k] = v;
  return out;
}

function jsonSafe(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export class EngineSession {
  private engine!: any;
  private execution: any;
  private readonly listener = new EventEmitter();
  private rootEnv: { variables: Record<string, unknown> } | undefined;
  private inflight = 0;
  private seq = 0;
  private settledResolve!: (o: { outcome: 'settled' | 'end' | 'error'; error?: Error }) => void;
  private readonly settled: Promise<{ outcome: 'settled' | 'end' | 'error'; error?: Error }>;
  private finished = false;
  /** false: the run ended or failed while resuming, before the command could act */
  acted = false;
  private fatal: Error | undefined;

  private readonly waits = new Map<string, WaitRecord>();
  private readonly parkedNow = new Map<string, ParkedRecord>();
  private readonly history: SessionResult['history'] = [];
  private readonly newTasks: TaskDoc[] = [];
  private readonly incidents: NewIncident[] = [];
  private readonly finishedJobs: string[] = [];
  private readonly calls: SessionResult['calls'] = [];
  private readonly thrownMessages: SessionResult['thrownMessages'] = [];
  private readonly visited: Set<string>;
  private readonly takenFlows: Set<string>;
  private readonly ended = new Set<string>();
  private readonly discarded = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly countedJobs = new Set<string>();
  private errorEnd: SessionResult['errorEnd'];

  constructor(
    private readonly deps: SessionDeps,
    private readonly def: LoadedDefinition,
    private readonly inst: InstanceDoc,
    private readonly command: Command,
  ) {
    this.settled = new Promise((resolve) => (this.settledResolve = resolve));
    this.visited = new Set(inst.visited);
    this.takenFlows = new Set(inst.takenFlows);
  }

  private finish(outcome: 'settled' | 'end' | 'error', error?: Error) {
    if (this.finished) return;
    this.finished = true;
    this.settledResolve({ outcome, error });
  }

  /**
   * Ends the run at once without a result (the node is stopping and hands the command back): run()
   * throws `reason`, so nothing is saved, and the engine is stopped before it calls anything else.
   * False when the run had already settled (its result is being saved; let it finish).
   */
  abandon(reason: Error): boolean {
    if (this.finished) return false;
    this.fatal = reason;
    this.finish('error', reason);
    return true;
  }

  /** settled = nothing in flight and no engine event for two turns of the event loop */
  private poke() {
    if (this.finished) return;
    const s = ++this.seq;
    setImmediate(() =>
      setImmediate(() => {
        if (s === this.seq && this.inflight === 0) this.finish('settled');
      }),
    );
  }

  private now(): Date {
    return this.deps.clock();
  }

  private addHistory(type: HistoryType, elementId: string | null, data?: unknown, actor?: ActorRef | null) {
    this.history.push({
      at: this.now(),
      type,
      elementId,
      elementType: elementId ? (this.def.meta.types[elementId] ?? null) : null,
      actor: actor ?? null,
      data: data === undefined ? null : JSON.stringify(data).slice(0, 64_000),
    });
  }

  get variables(): Record<string, unknown> {
    return this.rootEnv?.variables ?? {};
  }

  private setVariables(activity: any, patch: Record<string, unknown> | undefined) {
    if (!patch || typeof patch !== 'object') return;
    const clean = jsonSafe(patch) as Record<string, unknown>;
    for (const [k, v] of Object.entries(clean)) {
      if (RESERVED.has(k)) continue;
      if (this.rootEnv) this.rootEnv.variables[k] = v;
      const local = activity?.environment?.variables;
      if (local && local !== this.rootEnv?.variables) local[k] = v;
    }
  }

  private extension = (activity: any) => {
    const meta = this.def.meta;
    if (!this.rootEnv && activity.parent?.type === 'bpmn:Process' && activity.parent.id === meta.processId) this.rootEnv = activity.environment;
    const cfg = meta.elements[activity.id];
    if (cfg && (cfg.kind === 'service' || cfg.kind === 'rule')) {
      const execute = (message: any, callback: (err: unknown, out?: unknown) => void) => this.runService(activity, cfg, message, callback);
      activity.behaviour.Service = function OrdoService(this: { execute: typeof execute }) {
        this.execute = execute;
      };
    }
    if (activity.type === 'bpmn:UserTask') activity.on('end', (api: any) => this.setVariables(activity, api.content?.output?.data));
    if (activity.type === 'bpmn:CallActivity') activity.on('end', (api: any) => this.setVariables(activity, api.content?.output?.variables));
    return { activate() {}, deactivate() {} };
  };

  private onEvent(event: string, api: any) {
    const content = api?.content ?? {};
    const id: string | undefined = api?.id;
    const type: string | undefined = api?.type;
    if (!id || event.startsWith('definition.') || event.startsWith('process.')) return;
    const executionId: string = content.executionId;
    switch (event) {
      case 'activity.enter':
        if (content.isRecovered) break;
        this.visited.add(id);
        this.addHistory('element.entered', id);
        break;
      case 'activity.end':
        this.ended.add(executionId);
        this.dropWaits(id, executionId);
        if (!content.isRecovered) {
          this.addHistory('element.left', id);
          if (this.def.meta.errorEnds[id]) this.errorEnd = { activityId: id, code: this.def.meta.errorEnds[id] };
        }
        break;
      case 'activity.discard':
        this.discarded.add(executionId);
        this.dropWaits(id, executionId);
        break;
      case 'activity.leave':
        if (!this.ended.has(executionId) && !this.discarded.has(executionId) && !content.isRecovered) this.addHistory('element.left', id, { interrupted: true });
        this.dropWaits(id, executionId);
        break;
      case 'flow.take':
        this.takenFlows.add(id);
        this.addHistory('flow.taken', id);
        break;
      case 'activity.timeout':
        this.addHistory('timer.fired', id, { expireAt: content.expireAt });
        break;
      case 'activity.timer':
        // a scheduled (or API) start of a timer start event: its time has come, pass the timer at once
        if (this.command.kind === 'start' && this.command.timerStartId === id && !content.isRecovered) api.cancel();
        break;
      case 'activity.wait': {
        const elementId = id;
        const meta = this.def.meta;
        if (type === 'bpmn:UserTask') {
          this.waits.set(executionId, { kind: 'task', activityId: elementId, executionId });
          if (!content.isRecovered) this.createTask(elementId, executionId);
        } else if (meta.messages[elementId]) {
          const m = meta.messages[elementId];
          this.waits.set(executionId, { kind: 'message', activityId: elementId, executionId, name: m.name, refId: m.id });
        } else if (meta.signals[elementId]) {
          const s = meta.signals[elementId];
          this.waits.set(executionId, { kind: 'signal', activityId: elementId, executionId, name: s.name, refId: s.id });
        }
        break;
      }
      case 'activity.call':
        this.waits.set(executionId, { kind: 'call', activityId: id, executionId });
        if (!content.isRecovered) this.calls.push({ executionId, activityId: id });
        break;
      case 'activity.message':
        if (this.def.meta.throws[id] && !content.isRecovered) this.thrownMessages.push({ activityId: id, name: this.def.meta.throws[id] });
        break;
    }
  }

  private dropWaits(activityId: string, executionId: string) {
    for (const [key, w] of this.waits) if (w.activityId === activityId && (key === executionId || key.startsWith(`${executionId}_`))) this.waits.delete(key);
  }

  private createTask(activityId: string, executionId: string) {
    const cfg = this.def.meta.elements[activityId];
    if (!cfg || cfg.kind !== 'user') return;
    const scope: ExpressionScope = { variables: this.variables };
    const text = (v?: string) => (v === undefined ? undefined : String(resolveTemplate(v, scope) ?? ''));
    const list = (items: string[]) => items.flatMap((i) => String(resolveTemplate(i, scope) ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
    const now = this.now();
    const priority = Number(text(cfg.priority) ?? 50);
    const task: TaskDoc = {
      _id: `${this.inst._id}:${executionId}`,
      instanceId: this.inst._id,
      processKey: this.inst.processKey,
      businessKey: this.inst.businessKey,
      activityId,
      executionId,
      name: this.def.meta.names[activityId] ?? null,
      candidateGroups: list(cfg.candidateGroups),
      candidateUsers: list(cfg.candidateUsers),
      assignee: text(cfg.assignee) || null,
      claimedBy: null,
      claimedByLabel: null,
      formKey: cfg.formKey ?? null,
      priority: Number.isFinite(priority) ? Math.max(0, Math.min(100, Math.round(priority))) : 50,
      dueAt: resolveDueDate(text(cfg.dueDate), now) ?? null,
      status: 'open',
      version: 0,
      createdAt: now,
      claimedAt: null,
      completedAt: null,
      completedBy: null,
      data: null,
    };
    if (task.assignee) {
      task.status = 'claimed';
      task.claimedBy = task.assignee;
      task.claimedByLabel = task.assignee;
      task.claimedAt = now;
    }
    this.newTasks.push(task);
    this.addHistory('task.created', activityId, { taskId: task._id, candidateGroups: task.candidateGroups, assignee: task.assignee });
  }

  private resolveIo(value: IoValue, scope: ExpressionScope): unknown {
    if (value.kind === 'text') return resolveTemplate(value.value, scope);
    if (value.kind === 'list') return value.items.map((i) => resolveTemplate(i, scope));
    return Object.fromEntries(value.entries.map((e) => [e.key, resolveTemplate(e.value, scope)]));
  }

  private resolveInputs(params: IoParameter[], scope: ExpressionScope): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const p of params) out[p.name] = this.resolveIo(p.value, scope);
    return out;
  }

  private nextCounter(activityId: string): number {
    const n = (this.counters.get(activityId) ?? 0) + 1;
    this.counters.set(activityId, n);
    return n;
  }

  private runService(activity: any, cfg: ServiceConfig | RuleConfig, message: any, callback: (err: unknown, out?: unknown) => void): void {
    this.inflight++;
    const release = () => {
      this.inflight--;
      this.poke();
    };
    const executionId: string = message.content.executionId;
    const previous = this.inst.parked.find((p) => p.executionId === executionId);
    const retryAllowed = this.command.kind === 'retry' && (!this.command.executionId || this.command.executionId === executionId);
    if (previous && !retryAllowed) {
      // still parked (a retry not yet due, or an open incident): do not run it again
      this.parkedNow.set(executionId, previous);
      release();
      return;
    }
    const jobId = previous?.jobId ?? `${this.inst._id}:${this.inst.rev}:${activity.id}:${this.nextCounter(activity.id)}`;
    void this.attempt(activity, cfg, message, jobId, executionId)
      .then((r) => {
        if (r.kind === 'ok') {
          if (this.countedJobs.has(jobId)) this.finishedJobs.push(jobId);
          release();
          callback(null, r.output);
        } else if (r.kind === 'bpmnError') {
          if (this.countedJobs.has(jobId)) this.finishedJobs.push(jobId);
          release();
          callback(r.error);
        } else release();
      })
      .catch((err: Error) => {
        // the attempt could not even be counted (database down): abandon the command, save nothing
        this.fatal = err;
        this.inflight--;
        this.finish('error', err);
      });
  }

  private async attempt(
    activity: any,
    cfg: ServiceConfig | RuleConfig,
    message: any,
    jobId: string,
    executionId: string,
  ): Promise<{ kind: 'ok'; output: unknown } | { kind: 'bpmnError'; error: Error } | { kind: 'parked' }> {
    const activityId: string = activity.id;
    // counted in the database before the attempt, so that a crash mid-attempt still counts when the saved
    // state is resumed. A start has no saved state yet (the instance is inserted with its first wait):
    // its first attempts need no counter, one is written only if such an attempt fails.
    const counted = this.inst.rev > 0 || this.inst.parked.some((p) => p.jobId === jobId);
    const attempts = counted ? await this.deps.countAttempt(jobId, { instanceId: this.inst._id, activityId, executionId }) : 1;
    if (counted) this.countedJobs.add(jobId);
    const variables = publicVariables({ ...(activity.environment?.variables ?? {}), ...this.variables });
    const scope: ExpressionScope = { variables, content: message.content };
    const ctx: CallContext = { instanceId: this.inst._id, activityId, businessKey: this.inst.businessKey ?? undefined, idempotencyKey: jobId, attempt: attempts };
    if (attempts > cfg.retries) {
      return this.park(activityId, executionId, jobId, attempts, new Error(`no attempts left (${cfg.retries} allowed); the last attempt did not finish`), true);
    }
    try {
      if (cfg.kind === 'rule') {
        const facts = { ...variables, ...this.resolveInputs(cfg.inputs, scope) };
        const decision = await this.deps.rules.evaluate(cfg.ruleSet!, facts, ctx);
        const value = { ...decision.outcome, ruleSet: decision.ruleSet };
        this.setVariables(activity, { [cfg.resultVariable]: value });
        this.addHistory('decision', activityId, { ruleSet: decision.ruleSet, outcome: decision.outcome, explanation: decision.explanation });
        return { kind: 'ok', output: value };
      }
      const input = this.resolveInputs(cfg.inputs, scope);
      let result: unknown;
      if (cfg.template) {
        if (!this.deps.printer) throw new ConnectorError('No document printer is configured', { retryable: false });
        result = await this.deps.printer.print(cfg.template, { ...variables, ...input, target: cfg.target }, ctx);
      } else {
        const handler = this.deps.handler(cfg.connectorId!);
        if (handler) {
          const patch: Record<string, unknown> = {};
          result = await handler(input, {
            ...ctx,
            variables,
            setVariable: (name: string, value: unknown) => {
              patch[name] = value;
            },
            note: (text: string, data?: unknown) => this.addHistory('note', activityId, { message: text, data }),
          });
          this.setVariables(activity, patch);
        } else result = await this.deps.connectors.invoke(cfg.connectorId!, input, ctx);
      }
      result = jsonSafe(result);
      if (cfg.outputs.length) this.setVariables(activity, this.resolveInputs(cfg.outputs, { variables: { ...variables, ...this.variables }, result, content: message.content }));
      if (cfg.outputVariable) this.setVariables(activity, { [cfg.outputVariable]: result });
      return { kind: 'ok', output: result };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = e instanceof ConnectorError ? e.bpmnErrorCode : undefined;
      if (code) {
        if (isErrorCaught(this.def.meta, activityId, code)) {
          this.addHistory('service.failed', activityId, { attempt: attempts, bpmnError: code, message: e.message });
          return { kind: 'bpmnError', error: Object.assign(new Error(e.message), { code, name: 'BpmnError' }) };
        }
        return this.park(activityId, executionId, jobId, attempts, new Error(`BPMN error ${code} is not caught by a boundary event: ${e.message}`), true, 'bpmnError');
      }
      const retryable = !(e instanceof ConnectorError) || e.retryable;
      const giveUp = !retryable || attempts >= cfg.retries;
      return this.park(activityId, executionId, jobId, attempts, e, giveUp, 'service', e instanceof ConnectorError ? e.retryAfterMs : undefined);
    }
  }

  private async park(
    activityId: string,
    executionId: string,
    jobId: string,
    attempts: number,
    error: Error,
    incident: boolean,
    kind: NewIncident['kind'] = 'service',
    retryAfterMs?: number,
  ): Promise<{ kind: 'parked' }> {
    if (!this.countedJobs.has(jobId)) {
      await this.deps.countAttempt(jobId, { instanceId: this.inst._id, activityId, executionId });
      this.countedJobs.add(jobId);
    }
    if (incident) {
      const id = this.deps.newId();
      this.incidents.push({ id, activityId, executionId, jobId, kind, message: error.message.slice(0, 2000), attempts });
      this.parkedNow.set(executionId, { executionId, activityId, jobId, reason: 'incident', dueAt: null, incidentId: id });
      this.addHistory('incident.opened', activityId, { incidentId: id, message: error.message, attempts });
    } else {
      const dueAt = new Date(this.now().getTime() + this.deps.backoff(attempts, retryAfterMs));
      this.parkedNow.set(executionId, { executionId, activityId, jobId, reason: 'retry', dueAt });
      this.addHistory('service.failed', activityId, { attempt: attempts, message: error.message, retryAt: dueAt });
    }
    return { kind: 'parked' };
  }

  async run(): Promise<SessionResult> {
    const engine = new Engine({
      name: this.inst._id,
      sourceContext: this.def.sourceContext as never,
      expressions: safeExpressions as never,
      extensions: { ordo: this.extension as never },
      Logger: NOOP_LOGGER as never,
      settings: { enableDummyService: false, disableDummyScript: true } as never,
    } as never);
    this.engine = engine;
    engine.on('error', (err: Error) => this.finish('error', err));
    engine.once('end', () => this.finish('end'));
    const emit = this.listener.emit.bind(this.listener);
    this.listener.emit = (event: string | symbol, ...args: unknown[]) => {
      try {
        this.onEvent(String(event), args[0]);
      } catch (err) {
        this.deps.logger.error({ err, event }, 'engine event handling failed');
      }
      this.poke();
      return emit(event, ...args);
    };
    const timeout = setTimeout(() => this.finish('error', new CommandTimeoutError(this.deps.commandTimeoutMs)), this.deps.commandTimeoutMs);
    try {
      if (this.command.kind === 'start') {
        this.execution = await engine.execute({ listener: this.listener, variables: jsonSafe(this.command.variables) as Record<string, unknown> });
      } else {
        if (!this.inst.state) throw new ConflictError('The instance has no saved state to resume');
        engine.recover(JSON.parse(this.inst.state));
        this.execution = await engine.resume({ listener: this.listener });
      }
      if (!this.finished) {
        await this.act();
        this.acted = true;
      }
      this.poke();
      const { outcome, error } = await this.settled;
      if (this.fatal) throw this.fatal;
      return await this.collect(outcome, error);
    } finally {
      clearTimeout(timeout);
      if (engine.state === 'running') await engine.stop().catch(() => undefined);
    }
  }

  /** the waiting execution of `activityId`, checked against the engine (signal() alone accepts stale ids) */
  private requireWait(kind: WaitRecord['kind'], activityId: string, executionId: string): void {
    const w = this.waits.get(executionId);
    const topLevel = !this.def.meta.parents[activityId];
    const postponed = topLevel ? (this.execution.getPostponed() as Array<{ id: string; executionId: string }>).some((p) => p.id === activityId && p.executionId === executionId) : true;
    if (!w || w.kind !== kind || w.activityId !== activityId || !postponed) {
      throw new ConflictError(kind === 'task' ? 'The task is no longer waiting (completed, cancelled, or the instance moved on)' : `Nothing is waiting at ${activityId}`);
    }
  }

  private async act(): Promise<void> {
    const c = this.command;
    switch (c.kind) {
      case 'start':
        if (c.messageStartId) this.execution.signal({ id: c.messageStartId });
        return;
      case 'completeTask':
        this.requireWait('task', c.activityId, c.executionId);
        this.addHistory('task.completed', c.activityId, { taskId: `${this.inst._id}:${c.executionId}` }, c.actor);
        this.execution.signal({ id: c.activityId, executionId: c.executionId, data: c.data });
        return;
      case 'message':
      case 'signal': {
        const wait = [...this.waits.values()].find((w) => w.kind === c.kind && w.name === c.name);
        if (!wait) throw new ConflictError(`The instance is not waiting for the ${c.kind} "${c.name}"`);
        this.setVariables(undefined, c.variables);
        this.addHistory(c.kind === 'message' ? 'message.correlated' : 'signal.received', wait.activityId, { name: c.name }, c.actor);
        this.execution.signal({ id: wait.refId });
        return;
      }
      case 'callFailed': {
        const activityId = this.waits.get(c.executionId)?.activityId ?? '';
        this.requireWait('call', activityId, c.executionId);
        if (c.code && isErrorCaught(this.def.meta, activityId, c.code)) {
          // the child's error end event is a BPMN error of the call activity: its boundary event takes it
          this.addHistory('service.failed', activityId, { childId: c.childId, bpmnError: c.code, message: c.message });
          const api = findPostponed(this.execution.getPostponed(), activityId, c.executionId);
          if (!api) throw new ConflictError(`Nothing is waiting at ${activityId}`);
          api.sendApiMessage('error', { message: c.message, code: c.code, name: 'BpmnError' });
          return;
        }
        if (this.inst.parked.some((p) => p.executionId === c.executionId && p.reason === 'incident')) return; // already told
        const id = this.deps.newId();
        const message = `The called instance ${c.childId} ${c.code ? `ended with the uncaught error ${c.code}` : 'failed'}: ${c.message}`.slice(0, 2000);
        this.incidents.push({ id, activityId, executionId: c.executionId, jobId: null, kind: 'call', message, attempts: 0 });
        this.parkedNow.set(c.executionId, { executionId: c.executionId, activityId, jobId: `${this.inst._id}:call:${c.executionId}`, reason: 'incident', dueAt: null, incidentId: id, childId: c.childId });
        this.addHistory('incident.opened', activityId, { incidentId: id, message, childId: c.childId });
        return;
      }
      case 'callCompleted':
        this.requireWait('call', this.waits.get(c.executionId)?.activityId ?? '', c.executionId);
        this.execution.signal({ id: this.waits.get(c.executionId)!.activityId, executionId: c.executionId, variables: c.variables });
        return;
      default:
        return;
    }
  }

  private async collect(outcome: 'settled' | 'end' | 'error', error?: Error): Promise<SessionResult> {
    const meta = this.def.meta;
    const waits = [...this.waits.values()];
    if (outcome === 'settled') {
      for (const t of this.engine.environment.timers.executing as Array<{ owner?: { id?: string; executionId?: string }; expireAt: Date }>) {
        if (!t.owner?.id) continue;
        waits.push({ kind: 'timer', activityId: t.owner.id, executionId: t.owner.executionId ?? t.owner.id, dueAt: new Date(t.expireAt) });
      }
    }
    let state: string | null = null;
    if (outcome === 'settled') {
      const full = await this.engine.getState();
      for (const d of full.definitions ?? []) delete d.source;
      state = JSON.stringify(full);
    }
    // a call activity's incident lasts while the call waits (until the child completes, or a retry starts a new child)
    for (const p of this.inst.parked) {
      const retried = this.command.kind === 'retry' && this.command.executionId === p.executionId;
      if (p.childId && !retried && this.waits.has(p.executionId) && !this.parkedNow.has(p.executionId)) this.parkedNow.set(p.executionId, p);
    }
    const parked = [...this.parkedNow.values()];
    const tokens = new Set<string>();
    for (const id of [...waits.map((w) => w.activityId), ...parked.map((p) => p.activityId)]) {
      for (let cur: string | undefined = id; cur; cur = meta.parents[cur]) tokens.add(cur);
    }
    return {
      outcome,
      error,
      acted: this.acted,
      state,
      variables: publicVariables(this.variables),
      waits: outcome === 'settled' ? waits : [],
      parked: outcome === 'settled' ? parked : [],
      tokens: outcome === 'settled' ? [...tokens] : [],
      visited: [...this.visited],
      takenFlows: [...this.takenFlows],
      history: this.history,
      newTasks: outcome === 'settled' ? this.newTasks.filter((t) => this.waits.has(t.executionId)) : [],
      incidents: this.incidents,
      finishedJobs: this.finishedJobs,
      calls: outcome === 'settled' ? this.calls.filter((c) => this.waits.has(c.executionId)) : [],
      thrownMessages: this.thrownMessages,
      errorEnd: this.errorEnd,
    };
  }
}

/** The postponed api of an execution, looking into sub-processes. */
function findPostponed(list: any[], activityId: string, executionId: string): any {
  for (const p of list ?? []) {
    if (p.id === activityId && p.executionId === executionId) return p;
    const inner = p.owner?.getPostponed?.();
    const found = inner && inner !== list ? findPostponed(inner.filter((i: any) => i !== p), activityId, executionId) : undefined;
    if (found) return found;
  }
  return undefined;
}
