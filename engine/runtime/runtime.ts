/**
 * The durable workflow runtime. Stateless per command: lock the instance's revision (a
 * unique-insert lease marker, persistence/locks) → load the definition (cached sourceContext per
 * key@version) → recover + resume a fresh Engine → act → settle → commit marker → save by _id.
 * Timers and retries are `jobs` documents; the instance lock makes one node run each.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { CommandTimeoutError, ConflictError, NodeStoppingError, NotFoundError, UnprocessableError, ValidationError } from '../../workflows/model/errors';
import type { CatalogView, CorrelationResultView, ProcessScheduleView, DefinitionSummaryView, DefinitionView, DeployResultView, HistoryEntryView, IncidentView, InstanceSummaryView, InstanceView, ValidateResultView, WorkflowEventName, WorkflowEventPayloads } from '../../workflows/bpmn/views';
import type { ConnectorInvoker, DocumentPrinter, FormRegistry, RuleEvaluator } from '../ports';
import { checkReferences, deserializeSource, parseDefinition, PROCESS_KEY, type CompiledMeta } from '../definitions/compile';
import { engineCollections, ensureEngineIndexes, isDuplicateKey, isTransientDbError, planFromJson, type AfterSavePlan, type ActorRef, type DefinitionDoc, type EngineCollections, type HistoryDoc, type InstanceDoc, type JobDoc, type OutboxPayload, type TimerStartPayload, type WatchPayload } from '../persistence/store';
import { nextOccurrence } from '../jobs/schedule';
import { Locks, type LockHandle } from '../persistence/locks';
import { EngineSession, type Command, type LoadedDefinition, type SessionResult } from './session';
import type { ServiceHandler, SessionDeps } from './deps';
import { definitionSummary, definitionView, historyView, incidentView, instanceSummary, instanceView, taskView } from './mappers';
import { TaskService } from '../tasks/tasks';
import { checkVariables } from './variables';
import { JobPoller } from '../jobs/poller';
import { BUILTIN_HANDLERS } from '../handlers/builtin.handlers';

/** EventEmitter-like: the socket layer subscribes and broadcasts. */
export interface WorkflowEventSink {
  emit<E extends WorkflowEventName>(event: E, payload: WorkflowEventPayloads[E]): unknown;
}

export interface WorkflowRuntimeOptions {
  connection: Connection;
  logger: Logger;
  connectors: ConnectorInvoker;
  rules: RuleEvaluator;
  forms: FormRegistry & { list?(): Array<{ key: string; title?: string }> };
  printer?: DocumentPrinter & { list?(): Promise<string[]> };
  events?: WorkflowEventSink;
  /** distinguishes this node in leases (default host:pid:random) */
  nodeId?: string;
  /** how often the job poller looks for due timers and retries (default 1000 ms) */
  pollIntervalMs?: number;
  /** instance and job lease (default 30 s; renewed while a command runs) */
  leaseMs?: number;
  /** exponential backoff of service retries: base × 2^(attempt-1), ±20 % jitter, capped (default 2 s … 5 min) */
  retry?: { baseMs?: number; maxMs?: number };
  /** a command that does not settle within this is abandoned without saving (default 60 s) */
  commandTimeoutMs?: number;
  clock?: () => Date;
  /** jobs run at once per node (default 4) */
  jobConcurrency?: number;
  /** fault injection for crash tests (tests/features/engine-node.ts kills its process here); never set in production */
  faults?: { afterInstanceSave?(saved: InstanceDoc, command: Command): void | Promise<void> };
}

export const SYSTEM_ACTOR: ActorRef = { kind: 'system', id: null, label: 'system' };
const TERMINAL = new Set(['completed', 'cancelled']);
const ACTING = new Set<Command['kind']>(['completeTask', 'message', 'signal', 'callCompleted', 'callFailed']);
interface CommandStep {
  instanceId: string;
  command: string;
  phase: 'lock' | 'load' | 'run' | 'save' | 'outbox';
  since: number;
  /** while the engine runs it (phase run) */
  session?: EngineSession;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartInstanceInput {
  processKey: string;
  /** a deterministic instance id: a start with an id that exists returns that instance (one start per key across nodes) */
  id?: string;
  /** a pinned version; default the latest */
  version?: number;
  businessKey?: string | null;
  variables?: Record<string, unknown>;
  actor?: ActorRef;
}

interface InternalStart extends StartInstanceInput {
  parent?: InstanceDoc['parent'];
  messageStartId?: string;
  /** the timer start event that fired (its timer is passed, not waited for) */
  timerStartId?: string;
  /** extra details of the instance.started history entry */
  startedData?: Record<string, unknown>;
}

const TIMER_ACTOR: ActorRef = { kind: 'system', id: null, label: 'timer start' };
type TimerStartState = TimerStartPayload & { state: 'active' | 'paused' | 'done' };

export class WorkflowRuntime {
  readonly nodeId: string;
  readonly tasks: TaskService;
  private readonly c: EngineCollections;
  private readonly logger: Logger;
  private readonly handlers = new Map<string, ServiceHandler>();
  private readonly defCache = new Map<string, LoadedDefinition>();
  private readonly latestCache = new Map<string, { id: string; at: number }>();
  private readonly suspendedCache = new Map<string, { suspended: boolean; at: number }>();
  private readonly leaseMs: number;
  private readonly clock: () => Date;
  private readonly deps: SessionDeps;
  private readonly poller: JobPoller;
  readonly locks: Locks;
  private initialized?: Promise<void>;
  /** commands running on this node and their phase (activity()); those with a session are not yet saving: handBack() ends them */
  private readonly commands = new Set<CommandStep>();
  /** set by handBack(): this node runs no command any more */
  private handingBack = false;

  constructor(private readonly opts: WorkflowRuntimeOptions) {
    this.logger = opts.logger;
    this.c = engineCollections(opts.connection);
    this.nodeId = opts.nodeId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.clock = opts.clock ?? (() => new Date());
    this.locks = new Locks(opts.connection, this.nodeId, this.clock);
    const baseMs = Math.max(10, opts.retry?.baseMs ?? 2000);
    const maxMs = Math.max(baseMs, opts.retry?.maxMs ?? 300_000);
    this.deps = {
      logger: this.logger,
      clock: this.clock,
      newId: () => crypto.randomUUID(),
      countAttempt: (jobId, info) => this.countAttempt(jobId, info),
      backoff: (attempt, retryAfterMs) => {
        const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
        const jittered = Math.round(exp * (0.8 + Math.random() * 0.4));
        return Math.max(baseMs, jittered, retryAfterMs ?? 0);
      },
      rules: opts.rules,
      connectors: opts.connectors,
      printer: opts.printer,
      handler: (id) => this.handlers.get(id),
      commandTimeoutMs: opts.commandTimeoutMs ?? 60_000,
    };
    for (const [id, handler] of Object.entries(BUILTIN_HANDLERS)) this.handlers.set(id, handler);
    this.tasks = new TaskService({ collections: this.c, forms: opts.forms, runtime: this, locks: this.locks });
    this.poller = new JobPoller({ collections: this.c, runtime: this, logger: this.logger, intervalMs: opts.pollIntervalMs ?? 1000, concurrency: opts.jobConcurrency ?? 4, clock: this.clock, orphanAfterMs: this.deps.commandTimeoutMs + this.leaseMs });
  }

  // ---------------------------------------------------------------- lifecycle and registry

  /** Creates the indexes (idempotent). start() calls it. */
  init(): Promise<void> {
    this.initialized ??= Promise.all([ensureEngineIndexes(this.c), this.locks.init()]).then(() => undefined);
    return this.initialized;
  }

  /** Starts this node's job poller (timers, retries, outbox, crashed starts). */
  async start(): Promise<void> {
    await this.init();
    this.handingBack = false;
    await this.syncAllSchedules().catch((err) => this.logger.warn({ err: (err as Error).message }, 'timer start schedules not reconciled; the poller sweep tries again'));
    this.poller.start();
  }

  /** Stops the poller and waits for the jobs it is running. */
  async stop(): Promise<void> {
    await this.poller.stop();
    await this.retireWatch();
  }

  /**
   * A graceful node stop: stops the poller and hands back what this node holds. Every command still
   * running (a service call in flight, a timer firing, a flow start) ends at once without saving and
   * releases its instance lock, so another node runs it again now instead of after the lease (an
   * attempt already made stays counted). From here on this runtime refuses commands (503) until start().
   */
  async handBack(): Promise<void> {
    this.handingBack = true;
    const stopping = this.poller.stop();
    let ended = 0;
    for (const { session } of this.commands) if (session?.abandon(new NodeStoppingError())) ended++;
    if (ended) this.logger.info({ commands: ended }, 'node stopping: running commands handed back');
    await stopping;
    await this.retireWatch();
  }

  /** One pass of the poller: runs every due job now (tests and tools). Returns how many ran. */
  runDueJobs(): Promise<number> {
    return this.poller.runOnce();
  }

  /** A built-in service handler, addressed by camunda:connector connectorId (replaces one of the same id). */
  registerHandler(id: string, handler: ServiceHandler): void {
    if (!/^[A-Za-z][\w-]*(\.[\w-]+)+$/.test(id)) throw new Error(`handler id "${id}" must look like "area.action"`);
    if (this.handlers.has(id)) this.logger.info({ handler: id }, 'service handler replaced');
    this.handlers.set(id, handler);
  }

  hasHandler(id: string): boolean {
    return this.handlers.has(id);
  }

  handlerIds(): string[] {
    return [...this.handlers.keys()].sort();
  }

  emit<E extends WorkflowEventName>(event: E, payload: WorkflowEventPayloads[E]): void {
    try {
      this.opts.events?.emit(event, payload);
    } catch (err) {
      this.logger.warn({ err, event }, 'workflow event listener failed');
    }
  }

  // ---------------------------------------------------------------- definitions

  /** Parse + lint + reference checks, without storing anything. */
  async validate(xml: string): Promise<ValidateResultView> {
    try {
      const parsed = await parseDefinition(xml);
      const refs = await checkReferences(parsed.meta, this.referencePorts());
      return { valid: refs.length === 0, key: parsed.key, errors: refs, warnings: parsed.warnings };
    } catch (err) {
      if (err instanceof ValidationError) return { valid: false, key: null, errors: err.issues ?? [], warnings: [] };
      throw err;
    }
  }

  /**
   * Deploys version n+1 of the process key (the executable process id). The same XML as the latest
   * version deploys nothing (`created: false`). `gate` runs after validation, before storing (four-eyes).
   */
  async deploy(input: { xml: string; actor: ActorRef; gate?: (key: string, hash: string) => Promise<void> }): Promise<DeployResultView> {
    await this.init();
    const parsed = await parseDefinition(input.xml);
    const refs = await checkReferences(parsed.meta, this.referencePorts());
    if (refs.length) throw new ValidationError(`The diagram references ${refs.length} thing${refs.length > 1 ? 's' : ''} that do not exist`, refs);
    for (let attempt = 0; attempt < 5; attempt++) {
      const latest = await this.c.definitions.find({ key: parsed.key }).sort({ version: -1 }).limit(1).next();
      if (latest && latest.hash === parsed.hash) return { definition: definitionView(latest), created: false };
      if (attempt === 0) await input.gate?.(parsed.key, parsed.hash);
      const version = (latest?.version ?? 0) + 1;
      const doc: DefinitionDoc = {
        _id: `${parsed.key}@${version}`,
        key: parsed.key,
        version,
        name: parsed.meta.name,
        xml: parsed.xml,
        hash: parsed.hash,
        serialized: parsed.serialized,
        meta: JSON.stringify(parsed.meta),
        deployedBy: input.actor,
        deployedAt: this.clock(),
        warnings: parsed.warnings.map((w) => ({ elementId: w.path, message: w.message })),
      };
      try {
        await this.c.definitions.insertOne(doc);
        this.latestCache.delete(parsed.key);
        this.logger.info({ key: doc.key, version }, 'process deployed');
        // the new version's timer start events replace the old ones (a crash here is repaired by start() and the sweep)
        await this.syncSchedules(parsed.key).catch((err) => this.logger.warn({ err: (err as Error).message, key: parsed.key }, 'timer start schedule not updated yet'));
        return { definition: definitionView(doc), created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new ConflictError(`Another deployment of ${parsed.key} is in progress; try again`);
  }

  /**
   * Shipped content: deploys the XML unless the latest version already is it. A shipped process
   * that changed in a release gets a new version, but only while the latest one is the system's
   * own: once someone deployed their version, it is theirs and is left alone.
   */
  async ensureDeployed(xml: string): Promise<{ key: string; created: boolean }> {
    await this.init();
    const parsed = await parseDefinition(xml);
    const [latest] = await this.c.definitions.find({ key: parsed.key }, { projection: { hash: 1, deployedBy: 1 } }).sort({ version: -1 }).limit(1).toArray();
    if (latest && (latest.hash === parsed.hash || latest.deployedBy?.kind !== 'system')) return { key: parsed.key, created: false };
    try {
      const res = await this.deploy({ xml, actor: SYSTEM_ACTOR });
      return { key: parsed.key, created: res.created };
    } catch (err) {
      if (err instanceof ConflictError) return { key: parsed.key, created: false };
      throw err;
    }
  }

  /** The latest version of every process key. */
  async listDefinitions(): Promise<DefinitionSummaryView[]> {
    const rows = await this.c.definitions.find({}, { projection: { xml: 0, serialized: 0, meta: 0 } }).sort({ key: 1, version: -1 }).toArray();
    const byKey = new Map<string, DefinitionSummaryView>();
    for (const r of rows) {
      const existing = byKey.get(r.key);
      if (existing) existing.versions = (existing.versions ?? 1) + 1;
      else byKey.set(r.key, { ...definitionSummary(r as DefinitionDoc), versions: 1 });
    }
    return [...byKey.values()];
  }

  async listVersions(key: string): Promise<DefinitionSummaryView[]> {
    const rows = await this.c.definitions.find({ key }, { projection: { xml: 0, serialized: 0, meta: 0 } }).sort({ version: -1 }).toArray();
    if (!rows.length) throw new NotFoundError(`Process ${key}`);
    return rows.map((r) => definitionSummary(r as DefinitionDoc));
  }

  async getDefinition(key: string, version?: number): Promise<DefinitionView> {
    return definitionView(await this.definitionDoc(key, version));
  }

  async getDefinitionXml(key: string, version?: number): Promise<{ key: string; version: number; xml: string }> {
    const d = await this.definitionDoc(key, version);
    return { key: d.key, version: d.version, xml: d.xml };
  }

  private async definitionDoc(key: string, version?: number): Promise<DefinitionDoc> {
    const d = version ? await this.c.definitions.findOne({ _id: `${key}@${version}` }) : await this.c.definitions.find({ key }).sort({ version: -1 }).limit(1).next();
    if (!d) throw new NotFoundError(version ? `Process ${key} version ${version}` : `Process ${key}`);
    return d;
  }

  /** What the modeler may reference; the designer lints against it. */
  async catalog(extra: { connectors?: string[]; ruleSets?: string[]; templates?: string[]; candidateGroups?: string[] } = {}): Promise<CatalogView> {
    const keys = await this.c.definitions.distinct('key');
    return {
      connectors: [...new Set([...this.handlerIds(), ...(extra.connectors ?? [])])].sort(),
      ruleSets: extra.ruleSets ?? [],
      forms: (this.opts.forms.list?.() ?? []).map((f) => ({ key: f.key, title: f.title })),
      processes: keys.sort(),
      templates: extra.templates ?? (this.opts.printer?.list ? await this.opts.printer.list() : []),
      candidateGroups: extra.candidateGroups ?? [],
    };
  }

  private referencePorts() {
    return {
      hasConnector: (id: string) => this.handlers.has(id) || this.opts.connectors.has(id),
      hasRuleSet: (ref: string) => this.opts.rules.has(ref),
      hasForm: async (key: string) => (await this.opts.forms.get(key)) !== undefined,
      hasTemplate: this.opts.printer ? (key: string) => this.opts.printer!.has(key) : undefined,
      hasProcess: async (key: string, version?: number) => (await this.c.definitions.findOne(version ? { _id: `${key}@${version}` } : { key }, { projection: { _id: 1 } })) !== null,
    };
  }

  private async loadDefinitionById(id: string): Promise<LoadedDefinition> {
    const cached = this.defCache.get(id);
    if (cached) return cached;
    const d = await this.c.definitions.findOne({ _id: id });
    if (!d) throw new NotFoundError(`Process definition ${id}`);
    const loaded: LoadedDefinition = { id: d._id, key: d.key, version: d.version, sourceContext: deserializeSource(d.serialized), meta: JSON.parse(d.meta) as CompiledMeta };
    this.defCache.set(id, loaded);
    return loaded;
  }

  private async resolveDefinition(key: string, version?: number): Promise<LoadedDefinition> {
    if (!PROCESS_KEY.test(key)) throw new NotFoundError(`Process ${key}`);
    if (version) return this.loadDefinitionById(`${key}@${version}`).catch((err) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`Process ${key} version ${version}`);
      throw err;
    });
    const hit = this.latestCache.get(key);
    if (hit && Date.now() - hit.at < 1000) return this.loadDefinitionById(hit.id);
    const latest = await this.c.definitions.find({ key }, { projection: { _id: 1 } }).sort({ version: -1 }).limit(1).next();
    if (!latest) throw new NotFoundError(`Process ${key}`);
    this.latestCache.set(key, { id: latest._id, at: Date.now() });
    return this.loadDefinitionById(latest._id);
  }

  // ---------------------------------------------------------------- instances

  /** Starts an instance and runs it to its first wait; answers when that state is saved. */
  async startInstance(input: StartInstanceInput): Promise<InstanceView> {
    return this.startInternal(input);
  }

  private async startInternal(input: InternalStart): Promise<InstanceView> {
    await this.init();
    const variables = checkVariables(input.variables);
    const def = await this.resolveDefinition(input.processKey, input.version);
    if (!input.messageStartId && !def.meta.noneStart && !def.meta.timerStart) {
      throw new UnprocessableError(`Process ${def.key} starts only by a message (${Object.keys(def.meta.messageStarts).join(', ')}); send it to POST /api/messages`);
    }
    if (!input.parent && (await this.isSuspended(def.key))) throw new ConflictError(`Process ${def.key} is suspended: it starts no new instances until it is activated`);
    // a started timer-start process runs at once (like Camunda's startProcessInstanceByKey); its schedule starts the others
    const timerStartId = input.timerStartId ?? (!input.messageStartId && !def.meta.noneStart && def.meta.timerStarts?.length === 1 ? def.meta.timerStarts[0].id : undefined);
    const now = this.clock();
    const doc: InstanceDoc = {
      _id: input.id ?? crypto.randomUUID(),
      processKey: def.key,
      version: def.version,
      definitionId: def.id,
      businessKey: input.businessKey ?? null,
      status: 'running',
      incident: false,
      state: null,
      engineVersion: ENGINE_VERSION,
      rev: 0,
      variables: JSON.stringify(variables),
      waits: [],
      messageNames: [],
      signalNames: [],
      tokens: [],
      incidentActivities: [],
      visited: [],
      takenFlows: [],
      parked: [],
      nextTimerAt: null,
      parent: input.parent ?? null,
      error: null,
      startedBy: input.actor ?? SYSTEM_ACTOR,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
    };
    if (input.id && (await this.c.instances.findOne({ _id: input.id }, { projection: { _id: 1 } }))) return this.getInstance(input.id);
    // the document is inserted with the state of its first wait (rev 1): a start that fails leaves nothing behind
    let saved: InstanceDoc;
    try {
      saved = await this.execute(doc, null, def, { kind: 'start', variables, messageStartId: input.messageStartId, timerStartId }, [{ type: 'instance.started', actor: input.actor ?? SYSTEM_ACTOR, data: { businessKey: doc.businessKey, version: def.version, ...input.startedData } }]);
    } catch (err) {
      if (input.id && isDuplicateKey(err)) return this.getInstance(input.id);
      throw err;
    }
    return instanceView(saved);
  }

  async getInstance(id: string): Promise<InstanceView> {
    const doc = await this.c.instances.findOne({ _id: id }, { projection: { state: 0, plan: 0 } });
    if (!doc) throw new NotFoundError(`Instance ${id}`);
    return instanceView(doc as InstanceDoc);
  }

  async listInstances(filter: { processKey?: string; status?: string; businessKey?: string; incident?: boolean; limit?: number; offset?: number } = {}): Promise<{ items: InstanceSummaryView[]; total: number }> {
    const q: Record<string, unknown> = {};
    if (filter.processKey) q.processKey = filter.processKey;
    if (filter.status) q.status = filter.status;
    if (filter.businessKey) q.businessKey = filter.businessKey;
    if (filter.incident !== undefined) q.incident = filter.incident;
    const [rows, total] = await Promise.all([
      this.c.instances
        .find(q, { projection: { state: 0, variables: 0, plan: 0 } })
        .sort({ startedAt: -1 })
        .skip(filter.offset ?? 0)
        .limit(Math.min(filter.limit ?? 50, 500))
        .toArray(),
      this.c.instances.countDocuments(q),
    ]);
    return { items: rows.map((r) => instanceSummary(r as InstanceDoc)), total };
  }

  /** The history collection's rows of the instance, and those still in its document: the last save's (AfterSavePlan.recent) and any its plan is yet to insert. */
  async getHistory(instanceId: string): Promise<HistoryEntryView[]> {
    const inst = await this.c.instances.findOne({ _id: instanceId }, { projection: { rev: 1, plan: 1 } });
    if (!inst) throw new NotFoundError(`Instance ${instanceId}`);
    const rows: HistoryDoc[] = await this.c.history.find({ instanceId }).sort({ at: 1, seq: 1 }).limit(5000).toArray();
    const recent = unstoredHistory(inst as InstanceDoc);
    if (recent.length) {
      const stored = new Set(rows.map((r) => String(r._id)));
      rows.push(...recent.filter((r) => !stored.has(r._id)));
      rows.sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
    }
    return rows.slice(0, 5000).map(historyView);
  }

  /** Internal: the raw saved state (tests and benches measure it). */
  async rawInstance(id: string): Promise<InstanceDoc | null> {
    return this.c.instances.findOne({ _id: id });
  }

  /** Runs a command on an instance under its lock. */
  async command(instanceId: string, command: Command, opts: { waitMs?: number; history?: PreHistory[]; jobId?: string } = {}): Promise<InstanceDoc> {
    const step: CommandStep = { instanceId, command: command.kind, phase: 'lock', since: Date.now() };
    this.commands.add(step);
    try {
      return await this.commandSteps(step, instanceId, command, opts);
    } finally {
      this.commands.delete(step);
    }
  }

  /** What this node is doing (diagnostics): commands by phase and for how long, and its poller's jobs. */
  activity() {
    const now = Date.now();
    return { commands: [...this.commands].map((c) => ({ instanceId: c.instanceId, command: c.command, phase: c.phase, ms: now - c.since })), ...this.poller.activity() };
  }

  private async commandSteps(step: CommandStep, instanceId: string, command: Command, opts: { waitMs?: number; history?: PreHistory[]; jobId?: string }): Promise<InstanceDoc> {
    const { doc, lock } = await this.acquire(instanceId, opts.waitMs ?? 5000);
    step.phase = 'load';
    if (doc.status === 'failed' && command.kind !== 'resume') {
      await this.locks.release(lock);
      throw new ConflictError(`The instance is ${doc.status}`);
    }
    if (command.kind === 'message' && command.bufferedId && doc.consumedMessages?.includes(command.bufferedId)) {
      // delivered before (the node stopped before removing it from the buffer): never twice
      await this.locks.release(lock);
      return doc;
    }
    // a timer or retry job that finds nothing due (a duplicate or a leftover): tidy its jobs, run nothing
    const now = this.clock().getTime();
    const nothingDue =
      (command.kind === 'timer' && !(doc.nextTimerAt && doc.nextTimerAt.getTime() <= now)) ||
      (command.kind === 'retry' && !command.actor && !doc.parked.some((p) => p.executionId === command.executionId && p.reason === 'retry' && p.dueAt && p.dueAt.getTime() <= now));
    if (nothingDue) {
      try {
        // under the instance lock nothing else writes this instance's jobs: a job it does not expect is a leftover
        if (opts.jobId && !this.expectedJobs(doc).includes(opts.jobId)) await this.c.jobs.deleteOne({ _id: opts.jobId });
      } finally {
        await this.locks.release(lock);
      }
      return doc;
    }
    let def: LoadedDefinition;
    try {
      def = await this.loadDefinitionById(doc.definitionId);
    } catch (err) {
      await this.locks.release(lock);
      throw err;
    }
    return this.execute(doc, lock, def, command, opts.history ?? [], step);
  }

  private expectedJobs(doc: InstanceDoc): string[] {
    return [...doc.waits.filter((w) => w.kind === 'timer').map((w) => timerJobId(doc._id, w.executionId)), ...doc.parked.map((p) => p.jobId)];
  }

  /** The right to advance the instance from its current revision (waits up to waitMs while another command holds it). */
  private async acquire(id: string, waitMs: number): Promise<{ doc: InstanceDoc; lock: LockHandle }> {
    const deadline = Date.now() + waitMs;
    for (let round = 0; ; round++) {
      const doc = await this.c.instances.findOne({ _id: id });
      if (!doc) throw new NotFoundError(`Instance ${id}`);
      if (TERMINAL.has(doc.status)) throw new ConflictError(`The instance is ${doc.status}`);
      const got = await this.locks.acquire(`inst:${id}`, doc.rev, this.leaseMs, async () => (await this.c.instances.findOne({ _id: id }, { projection: { rev: 1 } }))?.rev === doc.rev);
      if (got.ok) {
        // the version may have advanced (and its marker been removed) between reading and locking
        const now = await this.c.instances.findOne({ _id: id }, { projection: { rev: 1 } });
        if (now?.rev === doc.rev) {
          try {
            await this.settlePlan(doc);
          } catch (err) {
            await this.locks.release(got.lock);
            throw err;
          }
          return { doc, lock: got.lock };
        }
        await this.locks.release(got.lock);
        continue;
      }
      if (got.stale) continue;
      if (Date.now() >= deadline) throw new ConflictError('The instance is busy with another command; try again', { busy: true });
      await sleep(Math.min(200, 10 * 2 ** Math.min(round, 4)) + Math.random() * 20);
    }
  }

  private async countAttempt(jobId: string, info: { instanceId: string; activityId: string; executionId: string }): Promise<number> {
    const doc = await this.c.attempts.findOneAndUpdate({ _id: jobId }, { $inc: { attempts: 1 }, $setOnInsert: { instanceId: info.instanceId, createdAt: this.clock() } }, { upsert: true, returnDocument: 'after' });
    return doc?.attempts ?? 1;
  }

  /** Runs a command (or a start) on a loaded instance and saves it; tracked in activity() unless command() tracks it already. */
  private async execute(doc: InstanceDoc, lock: LockHandle | null, def: LoadedDefinition, command: Command, pre: PreHistory[], step?: CommandStep): Promise<InstanceDoc> {
    if (step) return this.executeTracked(doc, lock, def, command, pre, step);
    const own: CommandStep = { instanceId: doc._id, command: command.kind, phase: 'run', since: Date.now() };
    this.commands.add(own);
    try {
      return await this.executeTracked(doc, lock, def, command, pre, own);
    } finally {
      this.commands.delete(own);
    }
  }

  private async executeTracked(doc: InstanceDoc, lock: LockHandle | null, def: LoadedDefinition, command: Command, pre: PreHistory[], step: CommandStep): Promise<InstanceDoc> {
    const renew = setInterval(() => void (lock && this.locks.renew(lock, this.leaseMs).catch(() => undefined)), Math.max(1000, this.leaseMs / 3));
    renew.unref();
    let outboxJobs: JobDoc[];
    let saved: InstanceDoc;
    let notActed: ConflictError | undefined;
    try {
      if (this.handingBack) throw new NodeStoppingError();
      const session = new EngineSession(this.deps, def, doc, command);
      let result: SessionResult;
      step.phase = 'run';
      step.session = session;
      try {
        result = await session.run();
      } finally {
        step.session = undefined;
      }
      // an overrun is not the instance's fault: save nothing (as after a crash) and let the caller retry,
      // rather than fail the instance at a state it may already have moved past (services ran meanwhile)
      if (result.outcome === 'error' && result.error instanceof CommandTimeoutError) throw result.error;
      step.phase = 'save';
      ({ saved, outboxJobs } = await this.save(doc, lock, def, command, result, pre));
      if (!result.acted && ACTING.has(command.kind)) {
        // saved what happened meanwhile (a timer fired, the instance ended), but the command itself did not run
        notActed = new ConflictError(`The instance moved on before the ${command.kind === 'completeTask' ? 'task could be completed' : `${command.kind} could be delivered`}`);
      }
    } catch (err) {
      if (lock) await this.locks.release(lock).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
    // the advanced revision's markers stay until the sweep prunes them (Locks.commit)
    step.phase = 'outbox';
    for (const job of outboxJobs) await this.runOutboxJob(job).catch((err) => this.logger.warn({ err: (err as Error).message, instanceId: saved._id }, 'outbox deferred to the poller'));
    if (notActed) throw notActed;
    // a message published before this instance waited for it was buffered: deliver it now
    const fresh = saved.businessKey !== null ? saved.waits.filter((w) => w.kind === 'message' && !doc.waits.some((o) => o.executionId === w.executionId)) : [];
    if (fresh.length) {
      const after = await this.deliverBuffered(saved._id, saved.businessKey!, [...new Set(fresh.map((w) => w.name!))]).catch((err) => {
        this.logger.warn({ err: (err as Error).message, instanceId: saved._id }, 'buffered message not delivered yet; the sweep tries again');
        return null;
      });
      if (after) return after;
    }
    return saved;
  }

  private async save(doc: InstanceDoc, lock: LockHandle | null, def: LoadedDefinition, command: Command, r: SessionResult, pre: PreHistory[]): Promise<{ saved: InstanceDoc; outboxJobs: JobDoc[] }> {
    const now = this.clock();
    const id = doc._id;
    const incidents = [...r.incidents];
    let status: InstanceDoc['status'];
    let state = r.state;
    let error: InstanceDoc['error'] = null;
    if (r.outcome === 'error') {
      // the engine failed: keep the last good state, raise an incident an admin can retry or cancel
      status = 'failed';
      state = doc.state;
      error = { message: r.error?.message ?? 'engine error' };
      incidents.push({ id: crypto.randomUUID(), activityId: doc.tokens[0] ?? def.meta.processId, executionId: null, jobId: null, kind: 'engine', message: error.message, attempts: 0 });
    } else if (r.outcome === 'end') {
      status = r.errorEnd ? 'failed' : 'completed';
      if (r.errorEnd) error = { message: `ended at error end event ${r.errorEnd.activityId}`, activityId: r.errorEnd.activityId, code: r.errorEnd.code };
    } else {
      status = r.waits.length ? 'waiting' : 'running';
    }
    const parked = r.outcome === 'settled' ? r.parked : [];
    const incidentActivities = [...new Set([...parked.filter((p) => p.reason === 'incident').map((p) => p.activityId), ...(r.outcome === 'error' ? incidents.filter((i) => i.kind === 'engine').map((i) => i.activityId) : [])])];
    const timers = r.waits.filter((w) => w.kind === 'timer');
    const nextTimerAt = timers.length ? new Date(Math.min(...timers.map((t) => t.dueAt!.getTime()))) : null;

    const outbox: OutboxPayload[] = [];
    for (const call of r.calls) {
      const cfg = def.meta.elements[call.activityId];
      if (cfg?.kind !== 'call' || !cfg.calledElement) continue;
      outbox.push({ kind: 'startChild', executionId: call.executionId, activityId: call.activityId, processKey: cfg.calledElement, version: cfg.binding === 'version' ? cfg.version : undefined, childId: childIdOf(id, call.executionId) });
    }
    for (const m of r.thrownMessages) outbox.push({ kind: 'message', name: m.name, businessKey: doc.businessKey, variables: JSON.stringify(r.variables), fromActivity: m.activityId });
    if (doc.parent && status === 'completed') outbox.push({ kind: 'notifyParent' });
    // the calling instance learns of a failure: an error end event (a BPMN error its boundary may catch) or an incident
    else if (doc.parent && status === 'failed' && r.errorEnd) outbox.push({ kind: 'notifyParent', outcome: 'failed', code: r.errorEnd.code, message: error?.message ?? 'failed' });
    else if (doc.parent && incidents.length && !doc.incident) outbox.push({ kind: 'notifyParent', outcome: 'incident', message: `incident at ${incidents[0].activityId}: ${incidents[0].message}` });

    // jobs first: a job without a saved timer is harmless (it finds nothing due), a timer without a job would be lost
    const keepJobs: string[] = [];
    const jobWrites: Array<Promise<unknown>> = [];
    for (const t of timers) {
      const jobId = timerJobId(id, t.executionId);
      keepJobs.push(jobId);
      jobWrites.push(this.upsertJob(jobId, { kind: 'timer', instanceId: id, activityId: t.activityId, executionId: t.executionId, dueAt: new Date(t.dueAt!.getTime() + 5) }));
    }
    for (const p of parked) {
      keepJobs.push(p.jobId);
      jobWrites.push(this.upsertJob(p.jobId, { kind: p.reason === 'retry' ? 'retry' : 'service', instanceId: id, activityId: p.activityId, executionId: p.executionId, dueAt: p.dueAt }));
    }
    const outboxJobs: JobDoc[] = outbox.map((o) => ({ _id: crypto.randomUUID(), kind: o.kind, instanceId: id, activityId: 'activityId' in o ? o.activityId : '', executionId: 'executionId' in o ? o.executionId : '', dueAt: now, armedRev: doc.rev + 1, attempts: 0, payload: JSON.stringify(o), createdAt: now }));
    if (outboxJobs.length) jobWrites.push(this.c.jobs.insertMany(outboxJobs));
    const set: Partial<InstanceDoc> = {
      status,
      incident: incidentActivities.length > 0 || (doc.incident && r.outcome !== 'settled' && r.outcome !== 'end'),
      state: status === 'completed' ? null : state,
      rev: doc.rev + 1,
      variables: JSON.stringify(r.variables),
      waits: r.waits,
      messageNames: [...new Set(r.waits.filter((w) => w.kind === 'message').map((w) => w.name!))],
      signalNames: [...new Set(r.waits.filter((w) => w.kind === 'signal').map((w) => w.name!))],
      tokens: r.outcome === 'error' ? doc.tokens : r.tokens,
      incidentActivities,
      visited: r.visited,
      takenFlows: r.takenFlows,
      parked,
      nextTimerAt,
      error,
      ...(command.kind === 'message' && command.bufferedId && r.acted ? { consumedMessages: [...(doc.consumedMessages ?? []), command.bufferedId].slice(-20) } : {}),
      committedJobs: [...(doc.committedJobs ?? []), ...outboxJobs.map((j) => j._id)].slice(-30),
      updatedAt: now,
      endedAt: status === 'completed' || status === 'failed' ? now : null,
    };
    if (r.outcome === 'error') {
      set.waits = doc.waits;
      set.messageNames = doc.messageNames;
      set.signalNames = doc.signalNames;
      set.parked = doc.parked;
      set.nextTimerAt = doc.nextTimerAt;
      set.endedAt = null;
    }
    // what the save implies rides in the same document write: a node dying right after the save loses none of it
    const plan = this.buildPlan(doc, { ...doc, ...set } as InstanceDoc, def, command, r, incidents, keepJobs, pre, now);
    set.plan = JSON.stringify(plan);
    set.planNode = this.nodeId;
    const saved: InstanceDoc = { ...doc, ...set } as InstanceDoc;
    const planKey = `${id}@${saved.rev}`;
    // pending from the time it carries (updatedAt), registered before any await: a beat never vouches past it
    this.pendingPlans.set(planKey, { at: now });
    // the node's watch job is live before a plan of this node can exist (the crash repair starts from it)
    jobWrites.push(this.ensureWatch());
    try {
      await Promise.all(jobWrites);
    } catch (err) {
      this.pendingPlans.delete(planKey);
      throw err;
    }
    try {
      // a new instance: the insert of its _id is the one write that can succeed; an advance: the commit marker
      if (doc.rev === 0) await this.c.instances.insertOne(saved);
      else await this.writeAdvance(id, lock, { $set: set });
    } catch (err) {
      this.pendingPlans.delete(planKey);
      // this attempt lost: its outbox must not run (the poller would drop it too, not being committed)
      for (const job of outboxJobs) void this.c.jobs.deleteOne({ _id: job._id }).catch(() => undefined);
      throw err;
    }

    await this.opts.faults?.afterInstanceSave?.(saved, command);
    await this.applyOwnPlan(planKey, plan, saved);
    return { saved, outboxJobs };
  }

  /**
   * Applies the plan this node just saved. Should that fail, it goes to an afterSave job (applied by
   * any node's poller); should that fail too, the plan stays pending here: the next beat of the watch
   * tries again, and if this node dies meanwhile, another node applies it (recoverNode).
   */
  private async applyOwnPlan(planKey: string, plan: AfterSavePlan, saved?: InstanceDoc): Promise<void> {
    try {
      await this.applyPlan(plan, null, saved);
    } catch (err) {
      this.logger.error({ err, instanceId: plan.instanceId }, 'post-save bookkeeping failed; an afterSave job repeats it');
      try {
        await this.c.jobs.insertOne(this.planJob(`after:${planKey}#saved`, plan, this.clock()));
      } catch {
        this.pendingPlans.set(planKey, { at: this.pendingPlans.get(planKey)?.at ?? this.clock(), plan });
        return;
      }
    }
    this.pendingPlans.delete(planKey);
  }

  // ---------------------------------------------------------------- the plans in instance documents: this node's watch

  /** `${instanceId}@${rev}` of the plans this node saved and has not applied yet (when they were saved; the plan if applying failed) */
  private readonly pendingPlans = new Map<string, { at: Date; plan?: AfterSavePlan }>();
  private watchBeatAt = 0;
  private watchBeat?: Promise<void>;
  private watchTimer?: NodeJS.Timeout;
  private get watchJobId(): string {
    return `watch:${this.nodeId}`;
  }

  /** Before a save: the watch job was moved ahead recently (a node stalled past half a lease beats first). */
  private ensureWatch(): Promise<void> {
    if (Date.now() - this.watchBeatAt <= this.leaseMs / 2) return Promise.resolve();
    if (!this.watchTimer) {
      this.watchTimer = setInterval(() => void this.beat().catch((err) => this.logger.warn({ err: (err as Error).message }, 'watch beat failed')), Math.max(200, this.leaseMs / 3));
      this.watchTimer.unref();
    }
    return this.beat();
  }

  /** Moves this node's watch job a lease ahead, with the time of its oldest unapplied plan; retries plans that failed to apply. */
  private beat(): Promise<void> {
    this.watchBeat ??= (async () => {
      try {
        const started = Date.now();
        const now = this.clock();
        let since = now;
        for (const p of this.pendingPlans.values()) if (p.at < since) since = p.at;
        const payload: WatchPayload = { since: since.toISOString() };
        await this.c.jobs.updateOne(
          { _id: this.watchJobId },
          { $set: { dueAt: new Date(now.getTime() + this.leaseMs), payload: JSON.stringify(payload) }, $setOnInsert: { kind: 'watch', instanceId: `node:${this.nodeId}`, activityId: '', executionId: '', armedRev: 0, attempts: 0, createdAt: now } },
          { upsert: true },
        );
        this.watchBeatAt = started;
        for (const [key, p] of this.pendingPlans) if (p.plan) await this.applyOwnPlan(key, p.plan);
      } finally {
        this.watchBeat = undefined;
      }
    })();
    return this.watchBeat;
  }

  /** A stopping node: with nothing left to apply, its watch goes (no node needs to look after it). */
  private async retireWatch(): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    if (this.watchBeatAt === 0 || this.pendingPlans.size > 0) return;
    await this.watchBeat?.catch(() => undefined);
    await this.c.jobs.deleteOne({ _id: this.watchJobId }).catch(() => undefined);
    this.watchBeatAt = 0;
  }

  /**
   * The plan saved with the instance's current revision, applied before a command goes on from it
   * when it may not be applied yet: this node's own that is still pending, or another node's saved
   * after that node's watch last vouched for it (that node may have died before applying it; the
   * next save replaces the plan, so it is applied now or never). Idempotent.
   */
  private async settlePlan(doc: InstanceDoc): Promise<void> {
    if (!doc.plan || !doc.planNode) return;
    const key = `${doc._id}@${doc.rev}`;
    if (doc.planNode === this.nodeId) {
      if (!this.pendingPlans.has(key)) return;
    } else {
      const watch = await this.c.jobs.findOne({ _id: `watch:${doc.planNode}` }, { projection: { payload: 1 } });
      if (!watch) return; // stopped with nothing pending, or looked after already
      const since = new Date((JSON.parse(watch.payload ?? '{}') as WatchPayload).since);
      if (doc.updatedAt.getTime() < since.getTime()) return;
    }
    const plan = planFromJson(doc.plan);
    if (plan.rev !== doc.rev) return;
    await this.applyPlan(plan, null);
    if (doc.planNode === this.nodeId) this.pendingPlans.delete(key);
  }

  /**
   * A node's watch job fell due: that node stopped beating (died, or stalled past a lease). Applies
   * the plans it saved since its watch last vouched for them (a scan on FerretDB, indexed nowhere:
   * it runs once per dead node). Claimed once per due time; the watch goes afterwards (a node that
   * was only stalled writes it again with its next beat).
   */
  async recoverNode(job: JobDoc): Promise<void> {
    const node = job.instanceId.slice('node:'.length);
    if (node === this.nodeId) return this.beat();
    const got = await this.locks.acquire(`job:${job._id}`, job.dueAt?.getTime() ?? 0, this.leaseMs);
    if (!got.ok) return;
    try {
      const since = new Date((JSON.parse(job.payload ?? '{}') as WatchPayload).since);
      const rows = await this.c.instances.find({ planNode: node, updatedAt: { $gte: since } }, { projection: { _id: 1, rev: 1, plan: 1 } }).toArray();
      for (const row of rows) {
        const plan = row.plan ? planFromJson(row.plan) : null;
        if (plan && plan.rev === row.rev) await this.applyPlan(plan, null);
      }
      if (rows.length) this.logger.warn({ node, plans: rows.length }, 'applied the plans of a node that stopped beating');
      await this.c.jobs.deleteOne({ _id: job._id, dueAt: job.dueAt });
    } catch (err) {
      await this.locks.release(got.lock);
      throw err;
    }
  }

  /**
   * Writes the advance of an instance from the revision its lock holds: first the commit marker
   * (Locks.commit: a holder superseded while stalled finds it taken and writes nothing), then the
   * update by `_id` alone. `{_id, rev}` would make FerretDB 1.24 scan every instance on each save,
   * and it is no compare-and-set there anyway (conditional updates are not isolated).
   */
  private async writeAdvance(id: string, lock: LockHandle | null, update: { $set: Partial<InstanceDoc> }): Promise<void> {
    if (!lock || !(await this.locks.commit(lock, this.leaseMs))) throw new ConflictError('The instance was taken over by another node meanwhile; nothing was saved');
    const res = await this.c.instances.updateOne({ _id: id }, update);
    if (res.matchedCount === 0) throw new NotFoundError(`Instance ${id}`);
  }

  /** The writes a save implies (see AfterSavePlan); built before the save, stored with its jobs. */
  private buildPlan(doc: InstanceDoc, saved: InstanceDoc, def: LoadedDefinition, command: Command, r: SessionResult, incidents: SessionResult['incidents'], keepJobs: string[], pre: PreHistory[], now: Date): AfterSavePlan {
    const id = doc._id;
    const keep = new Set(keepJobs);
    const history = [
      ...pre.map((p) => ({ at: now, type: p.type, elementId: p.elementId ?? null, elementType: p.elementId ? (def.meta.types[p.elementId] ?? null) : null, actor: p.actor ?? null, data: p.data === undefined ? null : JSON.stringify(p.data) })),
      ...r.history,
    ];
    if (saved.status === 'completed' || saved.status === 'failed') history.push({ at: now, type: saved.status === 'completed' ? 'instance.completed' : 'instance.failed', elementId: null, elementType: null, actor: null, data: saved.error ? JSON.stringify(saved.error) : null });
    const taskIds = doc.waits.filter((w) => w.kind === 'task').map((w) => `${id}:${w.executionId}`);
    const stale = taskIds.filter((t) => command.kind !== 'completeTask' || t !== `${id}:${command.executionId}`);
    return {
      instanceId: id,
      rev: saved.rev,
      history: recentHistory(doc),
      recent: history.map((h, i) => ({ ...h, _id: `${id}:${saved.rev}:${i}`, instanceId: id, seq: saved.rev * 100_000 + i })),
      newTasks: r.newTasks,
      incidents: incidents.map((i) => ({ _id: i.id, instanceId: id, processKey: saved.processKey, businessKey: saved.businessKey, activityId: i.activityId, executionId: i.executionId, jobId: i.jobId, kind: i.kind, message: i.message, attempts: i.attempts, status: 'open' as const, resolution: null, createdAt: now, resolvedAt: null, resolvedBy: null })),
      staleJobs: r.outcome === 'error' ? [] : this.expectedJobs(doc).filter((j) => !keep.has(j)),
      doneAttempts: r.outcome === 'error' ? [] : [...r.finishedJobs, ...doc.parked.map((p) => p.jobId).filter((j) => !keep.has(j))],
      completeTask: command.kind === 'completeTask' ? { taskId: `${id}:${command.executionId}`, actor: command.actor, data: command.data, at: now } : null,
      // tasks whose wait is gone: completed by this command, or cancelled (boundary event, terminate, end)
      closeStale: stale.length ? { taskIds: stale, waitingExec: saved.waits.filter((w) => w.kind === 'task').map((w) => w.executionId), at: now } : null,
      // a call incident whose call is over (the child completed after its own retry): resolved
      resolvedCalls: r.outcome === 'error' ? [] : doc.parked.filter((p) => p.childId && p.incidentId && !saved.parked.some((q) => q.executionId === p.executionId)).map((p) => p.incidentId!),
    };
  }

  private planJob(jobId: string, plan: AfterSavePlan, now: Date): JobDoc {
    // due later than the saving node needs to apply it itself: the poller only repairs a node that died
    return { _id: jobId, kind: 'afterSave', instanceId: plan.instanceId, activityId: '', executionId: '', dueAt: new Date(now.getTime() + Math.max(1000, this.leaseMs / 3)), armedRev: plan.rev, attempts: 0, payload: JSON.stringify(plan), createdAt: now };
  }

  /** Applies a plan (idempotent: the saving node right after its save, or the poller after a crash), then drops its job. */
  private async applyPlan(plan: AfterSavePlan, jobId: string | null, saved?: InstanceDoc): Promise<void> {
    const id = plan.instanceId;
    const ignoreDup = (p: Promise<unknown>) => p.catch((err) => (isDuplicateKey(err) ? undefined : Promise.reject(err)));
    const ops: Array<Promise<unknown>> = [];
    if (plan.history.length) ops.push(ignoreDup(this.c.history.insertMany(plan.history as never, { ordered: false })));
    if (plan.newTasks.length) ops.push(ignoreDup(this.c.tasks.insertMany(plan.newTasks, { ordered: false })));
    if (plan.incidents.length) ops.push(ignoreDup(this.c.incidents.insertMany(plan.incidents, { ordered: false })));
    // by _id only: FerretDB on SQLite scans the whole collection for any other filter
    for (const j of plan.staleJobs) ops.push(this.c.jobs.deleteOne({ _id: j }));
    for (const a of plan.doneAttempts) void this.c.attempts.deleteOne({ _id: a }).catch(() => undefined);
    if (plan.completeTask) ops.push(this.tasks.markCompleted(plan.completeTask.taskId, plan.completeTask.actor, plan.completeTask.data, plan.completeTask.at));
    if (plan.closeStale) ops.push(this.tasks.closeStale(id, plan.closeStale.taskIds, new Set(plan.closeStale.waitingExec), plan.closeStale.at));
    for (const incidentId of plan.resolvedCalls) ops.push(this.c.incidents.updateOne({ _id: incidentId, status: 'open' }, { $set: { status: 'resolved', resolution: 'retried', resolvedAt: new Date(), resolvedBy: SYSTEM_ACTOR } }));
    await Promise.all(ops);
    if (plan.cancel) await this.finishCancel(id, plan.cancel);
    // done: the job goes (off the hot path; applied again by a poller it would change nothing)
    const dropped = jobId ? this.c.jobs.deleteOne({ _id: jobId }).catch(() => undefined) : undefined;
    if (plan.cancel || !saved) await dropped;
    for (const incidentId of plan.resolvedCalls) {
      const doc = await this.c.incidents.findOne({ _id: incidentId });
      if (doc) this.emit('incident.resolved', incidentView(doc));
    }
    for (const t of plan.newTasks) this.emit('task.created', taskView(t));
    for (const i of plan.incidents) this.emit('incident.opened', incidentView(i));
    const current = saved ?? ((await this.c.instances.findOne({ _id: id }, { projection: { state: 0, plan: 0 } })) as InstanceDoc | null);
    if (current) this.emit('instance.changed', instanceSummary(current));
  }

  private upsertJob(jobId: string, fields: Pick<JobDoc, 'kind' | 'instanceId' | 'activityId' | 'executionId' | 'dueAt'>) {
    return this.c.jobs.updateOne(
      { _id: jobId },
      { $set: { ...fields }, $setOnInsert: { attempts: 0, armedRev: 0, payload: null, createdAt: this.clock() } },
      { upsert: true },
    );
  }

  // ---------------------------------------------------------------- outbox: call activities, thrown messages

  /** One outbox job, once: claimed by a lock marker, void while its save does not stand. */
  async runOutboxJob(job: JobDoc): Promise<void> {
    const inst = await this.c.instances.findOne({ _id: job.instanceId }, { projection: { rev: 1, variables: 1, parent: 1, businessKey: 1, committedJobs: 1 } });
    if (!inst || inst.rev < job.armedRev) {
      // the save that armed it failed (or is still running): drop it once it is surely dead
      if (!inst || job.createdAt.getTime() < this.clock().getTime() - this.deps.commandTimeoutMs - this.leaseMs) await this.c.jobs.deleteOne({ _id: job._id });
      return;
    }
    // an afterSave job `…#saved` holds the plan of a save that stood (its node could not apply it at once)
    if (inst.committedJobs && !inst.committedJobs.includes(job._id) && !(job.kind === 'afterSave' && job._id.endsWith('#saved'))) {
      // written by an attempt whose save lost to another's (or long done): never run it
      await this.c.jobs.deleteOne({ _id: job._id });
      return;
    }
    const got = await this.locks.acquire(`job:${job._id}`, 0, this.leaseMs, async () => (await this.c.jobs.findOne({ _id: job._id }, { projection: { _id: 1 } })) !== null);
    if (!got.ok) return;
    if (job.kind === 'afterSave') {
      await this.applyPlan(planFromJson(job.payload ?? '{}'), job._id).catch(async (err) => {
        await this.locks.release(got.lock);
        throw err;
      });
      return;
    }
    const payload = JSON.parse(job.payload ?? '{}') as OutboxPayload;
    try {
      if (payload.kind === 'startChild') {
        await this.startInternal({ id: payload.childId, processKey: payload.processKey, version: payload.version, businessKey: inst.businessKey, variables: JSON.parse(inst.variables), parent: { instanceId: job.instanceId, activityId: payload.activityId, executionId: payload.executionId } });
      } else if (payload.kind === 'notifyParent' && inst.parent && payload.outcome && payload.outcome !== 'completed') {
        await this.command(inst.parent.instanceId, { kind: 'callFailed', executionId: inst.parent.executionId, childId: job.instanceId, message: payload.message ?? 'failed', code: payload.code }, { waitMs: 2000 });
      } else if (payload.kind === 'notifyParent' && inst.parent) {
        await this.command(inst.parent.instanceId, { kind: 'callCompleted', executionId: inst.parent.executionId, variables: JSON.parse(inst.variables) }, { waitMs: 2000 });
      } else if (payload.kind === 'message') {
        await this.correlateMessage({ name: payload.name, businessKey: payload.businessKey ?? undefined, variables: JSON.parse(payload.variables), actor: SYSTEM_ACTOR });
      }
    } catch (err) {
      const busy = err instanceof ConflictError && (err.extensions as { busy?: boolean } | undefined)?.busy;
      if (busy || !(err instanceof ConflictError || err instanceof NotFoundError || err instanceof ValidationError || err instanceof UnprocessableError)) {
        // try again later: give the claim back
        await this.locks.release(got.lock);
        throw err;
      }
      this.logger.info({ err: (err as Error).message, instanceId: job.instanceId, kind: payload.kind }, 'outbox entry dropped');
      await this.c.history.insertOne({ instanceId: job.instanceId, at: this.clock(), seq: 0, type: 'note', elementId: null, elementType: null, actor: null, data: JSON.stringify({ message: `${payload.kind} not delivered: ${(err as Error).message}` }) });
    }
    await this.c.jobs.deleteOne({ _id: job._id });
  }

  // ---------------------------------------------------------------- messages and signals

  /**
   * A message by name to the instance waiting for it (by business key or instance id), or a message
   * start. With `timeToLiveMs` and a business key, a message nobody waits for yet is buffered for that
   * long and delivered, once, to the first instance with that business key that waits for it
   * (Camunda 8 semantics); `messageId` makes publishing idempotent while it is buffered.
   */
  async correlateMessage(input: { name: string; businessKey?: string; instanceId?: string; variables?: Record<string, unknown>; actor?: ActorRef; timeToLiveMs?: number; messageId?: string }): Promise<CorrelationResultView> {
    await this.init();
    const variables = checkVariables(input.variables);
    const actor = input.actor ?? SYSTEM_ACTOR;
    const q: Record<string, unknown> = { messageNames: input.name, status: { $in: ['waiting', 'running'] } };
    if (input.instanceId) q._id = input.instanceId;
    else if (input.businessKey !== undefined) q.businessKey = input.businessKey;
    const matches = input.instanceId || input.businessKey !== undefined ? await this.c.instances.find(q, { projection: { _id: 1 } }).limit(2).toArray() : [];
    if (matches.length > 1) throw new ConflictError(`More than one instance with business key "${input.businessKey}" waits for the message "${input.name}"; correlate by instanceId`);
    if (matches.length === 1) {
      await this.command(matches[0]._id, { kind: 'message', name: input.name, variables, actor }, { waitMs: 5000 });
      return { result: 'correlated', instanceId: matches[0]._id };
    }
    if (input.instanceId) {
      const target = await this.c.instances.findOne({ _id: input.instanceId }, { projection: { status: 1 } });
      if (!target) throw new NotFoundError(`Instance ${input.instanceId}`);
      if (TERMINAL.has(target.status) || target.status === 'failed') throw new ConflictError(`The instance is ${target.status}`);
      throw new NotFoundError(`An instance ${input.instanceId} waiting for the message "${input.name}"`);
    }
    const starts = await this.latestDefinitionsWithMessageStart(input.name);
    if (starts.length > 1) throw new ConflictError(`The message "${input.name}" starts several processes (${starts.map((s) => s.key).join(', ')})`);
    if (starts.length) {
      const inst = await this.startInternal({ processKey: starts[0].key, version: starts[0].version, businessKey: input.businessKey ?? null, variables, actor, messageStartId: starts[0].messageId });
      return { result: 'started', instanceId: inst.id };
    }
    if (input.timeToLiveMs && input.timeToLiveMs > 0 && input.businessKey !== undefined) return this.bufferMessage(input.name, input.businessKey, variables, actor, input.timeToLiveMs, input.messageId);
    throw new NotFoundError(`A waiting instance or a process started by the message "${input.name}"`);
  }

  private async bufferMessage(name: string, businessKey: string, variables: Record<string, unknown>, actor: ActorRef, ttlMs: number, messageId?: string): Promise<CorrelationResultView> {
    const now = this.clock();
    const id = messageId ? `${name}|${messageId}` : crypto.randomUUID();
    const doc = { _id: id, name, businessKey, variables: JSON.stringify(variables), createdAt: now, expiresAt: new Date(now.getTime() + ttlMs), publishedBy: actor };
    try {
      await this.c.messages.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.c.messages.findOne({ _id: id });
      if (existing && existing.expiresAt.getTime() > now.getTime()) throw new ConflictError(`A message "${name}" with the id "${messageId}" is already buffered`);
      await this.c.messages.replaceOne({ _id: id }, doc);
    }
    this.logger.info({ name, businessKey, ttlMs }, 'message buffered');
    // an instance may have started waiting between the lookup and the insert: try at once
    const waiting = await this.c.instances.find({ messageNames: name, businessKey, status: { $in: ['waiting', 'running'] } }, { projection: { _id: 1 } }).limit(2).toArray();
    if (waiting.length === 1) {
      const after = await this.deliverBuffered(waiting[0]._id, businessKey, [name]).catch(() => null);
      if (after) return { result: 'correlated', instanceId: waiting[0]._id };
    }
    return { result: 'buffered', instanceId: null, messageId: id, expiresAt: doc.expiresAt.toISOString() };
  }

  /**
   * Delivers the oldest live buffered message of each name to the instance (which waits for it), once:
   * the claim is the lock marker `msg:<id>`, the instance save records the message id
   * (`consumedMessages`), then the buffer entry is removed. Returns the instance after the last delivery.
   */
  private async deliverBuffered(instanceId: string, businessKey: string, names: string[]): Promise<InstanceDoc | null> {
    let last: InstanceDoc | null = null;
    for (const name of names) {
      const candidates = await this.c.messages.find({ name, businessKey, expiresAt: { $gt: this.clock() } }).sort({ createdAt: 1 }).limit(5).toArray();
      for (const m of candidates) {
        const got = await this.locks.acquire(`msg:${m._id}`, 0, this.leaseMs, async () => (await this.c.messages.findOne({ _id: m._id }, { projection: { _id: 1 } })) !== null);
        if (!got.ok) continue;
        try {
          last = await this.command(instanceId, { kind: 'message', name, variables: JSON.parse(m.variables), actor: m.publishedBy, bufferedId: m._id }, { waitMs: 5000 });
        } catch (err) {
          await this.locks.release(got.lock);
          if (err instanceof ConflictError || err instanceof NotFoundError) return last; // not waiting (any more) or busy: the sweep tries again
          throw err;
        }
        await this.c.messages.deleteOne({ _id: m._id });
        break;
      }
    }
    return last;
  }

  /** Sweep: drops expired buffered messages; delivers live ones whose instance waits now (missed by a crash or a race). */
  private async sweepBufferedMessages(): Promise<void> {
    const now = this.clock();
    const rows = await this.c.messages.find({}, { projection: { variables: 0 } }).sort({ createdAt: 1 }).limit(50).toArray();
    for (const m of rows) {
      if (m.expiresAt.getTime() <= now.getTime()) {
        await this.c.messages.deleteOne({ _id: m._id });
        continue;
      }
      const waiting = await this.c.instances.find({ messageNames: m.name, businessKey: m.businessKey, status: { $in: ['waiting', 'running'] } }, { projection: { _id: 1, consumedMessages: 1 } }).limit(2).toArray();
      if (waiting.some((w) => w.consumedMessages?.includes(m._id))) {
        await this.c.messages.deleteOne({ _id: m._id });
        continue;
      }
      if (waiting.length === 1) await this.deliverBuffered(waiting[0]._id, m.businessKey, [m.name]).catch((err) => this.logger.warn({ err: (err as Error).message, message: m._id }, 'buffered message not delivered'));
    }
  }

  private async latestDefinitionsWithMessageStart(name: string): Promise<Array<{ key: string; version: number; messageId: string }>> {
    const keys = await this.c.definitions.distinct('key');
    const out: Array<{ key: string; version: number; messageId: string }> = [];
    for (const key of keys) {
      const def = await this.resolveDefinition(key);
      const messageId = def.meta.messageStarts[name];
      if (messageId) out.push({ key, version: def.version, messageId });
    }
    return out;
  }

  /** Delivers a signal to every instance waiting for it. */
  async broadcastSignal(input: { name: string; variables?: Record<string, unknown>; actor?: ActorRef }): Promise<{ delivered: number; instanceIds: string[] }> {
    const variables = checkVariables(input.variables);
    const rows = await this.c.instances.find({ signalNames: input.name, status: { $in: ['waiting', 'running'] } }, { projection: { _id: 1 } }).toArray();
    const delivered: string[] = [];
    for (const r of rows) {
      try {
        await this.command(r._id, { kind: 'signal', name: input.name, variables, actor: input.actor ?? SYSTEM_ACTOR }, { waitMs: 5000 });
        delivered.push(r._id);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, instanceId: r._id }, 'signal not delivered');
      }
    }
    return { delivered: delivered.length, instanceIds: delivered };
  }

  // ---------------------------------------------------------------- operations: cancel, variables, incidents

  async cancelInstance(id: string, actor: ActorRef, reason?: string): Promise<InstanceView> {
    const { doc, lock } = await this.acquire(id, 5000);
    const now = this.clock();
    const rev = doc.rev + 1;
    const planJobId = `after:${id}@${rev}#${crypto.randomBytes(4).toString('hex')}`;
    const set: Partial<InstanceDoc> = { status: 'cancelled', incident: false, rev, waits: [], messageNames: [], signalNames: [], tokens: [], incidentActivities: [], parked: [], nextTimerAt: null, committedJobs: [...(doc.committedJobs ?? []), planJobId].slice(-30), plan: null, planNode: null, updatedAt: now, endedAt: now };
    const taskIds = doc.waits.filter((w) => w.kind === 'task').map((w) => `${id}:${w.executionId}`);
    const plan: AfterSavePlan = {
      instanceId: id,
      rev,
      history: [...recentHistory(doc), { _id: `${id}:${rev}:0`, instanceId: id, at: now, seq: rev * 100_000, type: 'instance.cancelled', elementId: null, elementType: null, actor, data: reason ? JSON.stringify({ reason }) : null }],
      newTasks: [],
      incidents: [],
      staleJobs: this.expectedJobs(doc),
      doneAttempts: [],
      completeTask: null,
      closeStale: taskIds.length ? { taskIds, waitingExec: [], at: now } : null,
      resolvedCalls: [],
      cancel: { actor, reason, at: now },
    };
    await this.c.jobs.insertOne(this.planJob(planJobId, plan, now));
    try {
      await this.writeAdvance(id, lock, { $set: set });
    } catch (err) {
      void this.c.jobs.deleteOne({ _id: planJobId }).catch(() => undefined);
      await this.locks.release(lock);
      throw err;
    }
    const saved = { ...doc, ...set } as InstanceDoc;
    await this.applyPlan(plan, planJobId, saved).catch((err) => this.logger.error({ err, instanceId: id }, 'cancel bookkeeping failed; the afterSave job repeats it'));
    return instanceView(saved);
  }

  /** The rest of a cancel: open incidents resolved, running children cancelled (idempotent). */
  private async finishCancel(id: string, cancel: NonNullable<AfterSavePlan['cancel']>): Promise<void> {
    const open = await this.c.incidents.find({ instanceId: id, status: 'open' }).toArray();
    await this.c.incidents.updateMany({ instanceId: id, status: 'open' }, { $set: { status: 'resolved', resolution: 'cancelled', resolvedAt: cancel.at, resolvedBy: cancel.actor } });
    for (const i of open) this.emit('incident.resolved', incidentView({ ...i, status: 'resolved', resolution: 'cancelled', resolvedAt: cancel.at, resolvedBy: cancel.actor }));
    const children = await this.c.instances.find({ 'parent.instanceId': id, status: { $in: ['running', 'waiting', 'failed'] } }, { projection: { _id: 1 } }).toArray();
    for (const child of children) await this.cancelInstance(child._id, cancel.actor, `parent ${id} cancelled`).catch((err) => this.logger.warn({ err, child: child._id }, 'child cancel failed'));
  }

  /** Admin: changes process variables of a waiting instance (in the saved engine state too). */
  async setVariables(id: string, patch: Record<string, unknown>, actor: ActorRef): Promise<InstanceView> {
    const vars = checkVariables(patch);
    const { doc, lock } = await this.acquire(id, 5000);
    try {
      return instanceView(await this.patchVariables(doc, lock, vars, actor));
    } catch (err) {
      await this.locks.release(lock);
      throw err;
    }
  }

  /** Saves the variables as the next revision (its lock markers stay, see Locks.commit); the caller releases the lock on failure. */
  private async patchVariables(doc: InstanceDoc, lock: LockHandle, vars: Record<string, unknown>, actor: ActorRef): Promise<InstanceDoc> {
    const now = this.clock();
    const rev = doc.rev + 1;
    const variables = { ...JSON.parse(doc.variables), ...vars };
    const state = doc.state ? JSON.stringify(patchStateVariables(JSON.parse(doc.state), vars)) : doc.state;
    const planJobId = `after:${doc._id}@${rev}#${crypto.randomBytes(4).toString('hex')}`;
    const set: Partial<InstanceDoc> = { variables: JSON.stringify(variables), state, rev, committedJobs: [...(doc.committedJobs ?? []), planJobId].slice(-30), plan: null, planNode: null, updatedAt: now };
    const plan: AfterSavePlan = {
      instanceId: doc._id,
      rev,
      history: [...recentHistory(doc), { _id: `${doc._id}:${rev}:0`, instanceId: doc._id, at: now, seq: rev * 100_000, type: 'variables.changed', elementId: null, elementType: null, actor, data: JSON.stringify({ changed: Object.keys(vars) }) }],
      newTasks: [],
      incidents: [],
      staleJobs: [],
      doneAttempts: [],
      completeTask: null,
      closeStale: null,
      resolvedCalls: [],
    };
    await this.c.jobs.insertOne(this.planJob(planJobId, plan, now));
    try {
      await this.writeAdvance(doc._id, lock, { $set: set });
    } catch (err) {
      void this.c.jobs.deleteOne({ _id: planJobId }).catch(() => undefined);
      throw err;
    }
    const saved = { ...doc, ...set } as InstanceDoc;
    await this.applyPlan(plan, planJobId, saved).catch((err) => this.logger.error({ err, instanceId: doc._id }, 'variables bookkeeping failed; the afterSave job repeats it'));
    return saved;
  }

  async listIncidents(filter: { status?: 'open' | 'resolved'; instanceId?: string; limit?: number } = {}): Promise<IncidentView[]> {
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    if (filter.instanceId) q.instanceId = filter.instanceId;
    const rows = await this.c.incidents.find(q).sort({ createdAt: -1 }).limit(Math.min(filter.limit ?? 100, 1000)).toArray();
    return rows.map(incidentView);
  }

  async getIncident(id: string): Promise<IncidentView> {
    const incident = await this.c.incidents.findOne({ _id: id });
    if (!incident) throw new NotFoundError(`Incident ${id}`);
    return incidentView(incident);
  }

  /** Admin: optionally fix variables, then run the failed step again with a fresh set of attempts. */
  async retryIncident(incidentId: string, input: { variables?: Record<string, unknown>; actor: ActorRef }): Promise<InstanceView> {
    const incident = await this.c.incidents.findOne({ _id: incidentId });
    if (!incident) throw new NotFoundError(`Incident ${incidentId}`);
    if (incident.status !== 'open') throw new ConflictError(`The incident is already ${incident.resolution ?? 'resolved'}`);
    const vars = checkVariables(input.variables);
    const callChild = incident.kind === 'call' ? await this.callIncidentChild(incidentId, incident.instanceId) : null;
    const claim = await this.locks.acquire(`incident:${incidentId}`, 0, 60_000);
    if (!claim.ok) throw new ConflictError('The incident is being handled by someone else');
    let { doc, lock } = await this.acquire(incident.instanceId, 5000).catch(async (err) => {
      await this.locks.release(claim.lock);
      throw err;
    });
    let held: LockHandle | null = lock;
    try {
      if (Object.keys(vars).length) {
        doc = await this.patchVariables(doc, lock, vars, input.actor);
        held = null;
        const next = await this.locks.acquire(`inst:${doc._id}`, doc.rev, this.leaseMs);
        if (!next.ok) throw new ConflictError('The instance is busy with another command; try again', { busy: true });
        held = lock = next.lock;
      }
      if (incident.jobId) await this.c.attempts.updateOne({ _id: incident.jobId }, { $set: { attempts: 0 } });
      await this.c.incidents.updateOne({ _id: incidentId }, { $set: { status: 'resolved', resolution: 'retried', resolvedAt: this.clock(), resolvedBy: input.actor } });
    } catch (err) {
      if (held) await this.locks.release(held);
      await this.locks.release(claim.lock);
      throw err;
    }
    const def = await this.loadDefinitionById(doc.definitionId);
    if (incident.kind === 'engine') doc = { ...doc, status: 'running', incident: false };
    const saved = await this.execute(doc, lock, def, incident.kind === 'engine' ? { kind: 'resume' } : { kind: 'retry', executionId: incident.executionId ?? undefined, actor: input.actor }, [
      { type: 'incident.resolved', elementId: incident.activityId, actor: input.actor, data: { incidentId, resolution: 'retried' } },
    ]);
    const resolved = await this.c.incidents.findOne({ _id: incidentId });
    if (resolved) this.emit('incident.resolved', incidentView(resolved));
    if (callChild) {
      // the failed child stays as it is; the call activity starts its process again
      const cfg = def.meta.elements[callChild.activityId];
      if (cfg?.kind === 'call' && cfg.calledElement) {
        const child = await this.startInternal({ id: childIdOf(doc._id, `${callChild.executionId}#${incidentId}`), processKey: cfg.calledElement, version: cfg.binding === 'version' ? cfg.version : undefined, businessKey: saved.businessKey, variables: JSON.parse(saved.variables), parent: { instanceId: doc._id, activityId: callChild.activityId, executionId: callChild.executionId }, actor: input.actor });
        return child.status === 'completed' ? this.getInstance(doc._id) : instanceView(saved);
      }
    }
    return instanceView(saved);
  }

  /** A call incident is retried on the parent only when its child is over (failed at an error end); otherwise in the child. */
  private async callIncidentChild(incidentId: string, instanceId: string): Promise<{ activityId: string; executionId: string } | null> {
    const parent = await this.c.instances.findOne({ _id: instanceId }, { projection: { parked: 1 } });
    const parked = parent?.parked.find((p) => p.incidentId === incidentId);
    if (!parked?.childId) return null;
    const child = await this.c.instances.findOne({ _id: parked.childId }, { projection: { status: 1, error: 1 } });
    if (child && (child.status === 'running' || child.status === 'waiting' || (child.status === 'failed' && !child.error?.code))) {
      throw new ConflictError(`The called instance ${parked.childId} has the incident: retry or cancel it there (this one resolves when it completes)`, { childId: parked.childId });
    }
    return { activityId: parked.activityId, executionId: parked.executionId };
  }

  // ---------------------------------------------------------------- used by the poller

  /** Housekeeping of this node's poller: lock markers left by crashed commands. */
  async sweep(): Promise<number> {
    await this.sweepBufferedMessages().catch((err) => this.logger.warn({ err: (err as Error).message }, 'buffered message sweep failed'));
    const now = Date.now();
    if (now - this.lastScheduleSync > 60_000) {
      this.lastScheduleSync = now;
      await this.syncAllSchedules().catch((err) => this.logger.warn({ err: (err as Error).message }, 'timer start schedules not reconciled'));
    }
    // the markers of every advanced revision stay for an hour (Locks.commit); pruning them is a scan on FerretDB, so once a minute
    if (now - this.lastPrune < 60_000) return 0;
    this.lastPrune = now;
    return this.locks.prune(Math.max(3_600_000, this.leaseMs * 10)).catch(() => 0);
  }

  private lastScheduleSync = Date.now();
  private lastPrune = 0;

  // ---------------------------------------------------------------- timer start events: schedules

  /** Whether new instances of the key may start (cached for a second; this node's changes at once). */
  private async isSuspended(key: string): Promise<boolean> {
    const hit = this.suspendedCache.get(key);
    if (hit && Date.now() - hit.at < 1000) return hit.suspended;
    const doc = await this.c.processSettings.findOne({ _id: key });
    const suspended = doc?.suspended === true;
    this.suspendedCache.set(key, { suspended, at: Date.now() });
    return suspended;
  }

  /** Suspends a process: no new instances (API, message, timer start); its timer start schedules pause. Running instances go on. */
  suspendProcess(key: string, actor: ActorRef): Promise<ProcessScheduleView> {
    return this.setSuspended(key, true, actor);
  }

  /** Activates a suspended process: starts are allowed again; paused schedules go on with their next future occurrence. */
  activateProcess(key: string, actor: ActorRef): Promise<ProcessScheduleView> {
    return this.setSuspended(key, false, actor);
  }

  private async setSuspended(key: string, suspended: boolean, actor: ActorRef): Promise<ProcessScheduleView> {
    await this.init();
    await this.definitionDoc(key);
    await this.c.processSettings.updateOne({ _id: key }, { $set: { suspended, updatedAt: this.clock(), updatedBy: actor } }, { upsert: true });
    this.suspendedCache.set(key, { suspended, at: Date.now() });
    await this.syncSchedules(key);
    return this.getSchedule(key);
  }

  /** Whether the process is suspended, and when each of its timer start events fires next. */
  async getSchedule(key: string): Promise<ProcessScheduleView> {
    await this.definitionDoc(key);
    const [settings, jobs] = await Promise.all([this.c.processSettings.findOne({ _id: key }), this.c.jobs.find({ kind: 'timerStart', instanceId: `def:${key}` }).toArray()]);
    return {
      key,
      suspended: settings?.suspended === true,
      timerStarts: jobs.map((j) => {
        const p = JSON.parse(j.payload ?? '{}') as TimerStartState;
        return { eventId: p.eventId, version: p.version, type: p.type, value: p.value, state: p.state, nextAt: j.dueAt ? j.dueAt.toISOString() : null, fired: j.attempts };
      }),
    };
  }

  private async syncAllSchedules(): Promise<void> {
    const keys = new Set<string>([...(await this.c.definitions.distinct('key')), ...(await this.c.jobs.distinct('instanceId', { kind: 'timerStart' })).map((i) => String(i).slice(4))]);
    for (const key of keys) await this.syncSchedules(key);
  }

  /**
   * Makes the `timerStart` jobs of a key match its latest version: one job per timer start event
   * (`tstart:<key>@<version>:<eventId>`). The same timer (event id, type, value) carries its schedule
   * over from the previous version; a new or changed one counts from this deployment; jobs of other
   * versions are removed. Suspended: the jobs stay, paused (no due date). Idempotent, safe on several nodes.
   */
  private async syncSchedules(key: string): Promise<void> {
    const [latest, existing, settings] = await Promise.all([
      this.c.definitions.find({ key }, { projection: { _id: 1, meta: 1, deployedAt: 1, version: 1 } }).sort({ version: -1 }).limit(1).next(),
      this.c.jobs.find({ kind: 'timerStart', instanceId: `def:${key}` }).toArray(),
      this.c.processSettings.findOne({ _id: key }),
    ]);
    const suspended = settings?.suspended === true;
    const now = this.clock();
    const keep = new Set<string>();
    const timers = latest ? ((JSON.parse(latest.meta) as CompiledMeta).timerStarts ?? []) : [];
    for (const t of timers) {
      const id = `tstart:${key}@${latest!.version}:${t.id}`;
      keep.add(id);
      const own = existing.find((j) => j._id === id);
      const prev = own ?? existing.find((j) => {
        const p = JSON.parse(j.payload ?? '{}') as TimerStartState;
        return p.eventId === t.id && p.type === t.type && p.value === t.value;
      });
      const base: TimerStartState = prev
        ? { ...(JSON.parse(prev.payload ?? '{}') as TimerStartState), definitionId: latest!._id, version: latest!.version }
        : { definitionId: latest!._id, key, version: latest!.version, eventId: t.id, type: t.type, value: t.value, anchor: latest!.deployedAt.toISOString(), k: 0, state: 'active' };
      let state = base;
      let dueAt = prev?.dueAt ?? null;
      if (state.state !== 'done') {
        if (suspended) {
          state = { ...state, state: 'paused' };
          dueAt = null;
        } else if (!prev || state.state === 'paused') {
          const next = nextOccurrence(t, new Date(state.anchor), Math.max(0, state.k - 1), now);
          state = next ? { ...state, k: next.k, state: 'active' } : { ...state, state: 'done' };
          dueAt = next?.at ?? null;
        }
      }
      if (own && own.dueAt?.getTime() === dueAt?.getTime() && own.payload === JSON.stringify(state)) continue;
      const fields = { kind: 'timerStart' as const, instanceId: `def:${key}`, activityId: t.id, executionId: '', dueAt, payload: JSON.stringify(state) };
      if (own) await this.c.jobs.updateOne({ _id: id }, { $set: fields });
      else {
        await this.c.jobs.insertOne({ _id: id, ...fields, armedRev: 0, attempts: prev?.attempts ?? 0, createdAt: now }).catch((err) => {
          if (!isDuplicateKey(err)) throw err;
        });
      }
    }
    for (const j of existing) if (!keep.has(j._id)) await this.c.jobs.deleteOne({ _id: j._id });
  }

  /**
   * Runs one due occurrence of a timer start event, once across nodes: the claim is the lock marker of
   * (job, occurrence k); the instance id is derived from the occurrence, so a claimant that takes over
   * after a crash between the start and the job's advance finds the instance and only advances.
   */
  async runTimerStart(job: JobDoc): Promise<void> {
    const seen = JSON.parse(job.payload ?? '{}') as TimerStartState;
    const current = async () => {
      const j = await this.c.jobs.findOne({ _id: job._id });
      const p = j?.payload ? (JSON.parse(j.payload) as TimerStartState) : null;
      return j && p && j.dueAt && p.k === seen.k && p.state === 'active' ? { j, p, dueAt: j.dueAt } : null;
    };
    const got = await this.locks.acquire(`job:${job._id}`, seen.k, this.leaseMs, async () => (await current()) !== null);
    if (!got.ok) return;
    const cur = await current();
    if (!cur || cur.dueAt.getTime() > this.clock().getTime()) {
      await this.locks.release(got.lock);
      return;
    }
    const renew = setInterval(() => void this.locks.renew(got.lock, this.leaseMs).catch(() => undefined), Math.max(1000, this.leaseMs / 3));
    renew.unref();
    try {
      const id = childIdOf(`timer:${cur.p.key}:${cur.p.eventId}`, cur.dueAt.toISOString());
      await this.startInternal({ id, processKey: cur.p.key, version: cur.p.version, actor: TIMER_ACTOR, timerStartId: cur.p.eventId, startedData: { timerStart: cur.p.eventId, occurrence: cur.p.k, scheduledAt: cur.dueAt.toISOString() } });
    } catch (err) {
      const lasting = err instanceof ConflictError || err instanceof NotFoundError || err instanceof ValidationError || err instanceof UnprocessableError;
      if (!lasting || isTransientDbError(err)) {
        clearInterval(renew);
        await this.locks.release(got.lock);
        throw err;
      }
      // this occurrence cannot start (suspended meanwhile, version gone): skip it, keep the schedule
      this.logger.warn({ err: (err as Error).message, job: job._id, occurrence: cur.p.k }, 'timer start occurrence skipped');
    } finally {
      clearInterval(renew);
    }
    const next = nextOccurrence(cur.p, new Date(cur.p.anchor), cur.p.k, this.clock());
    const state: TimerStartState = next ? { ...cur.p, k: next.k } : { ...cur.p, state: 'done' };
    await this.c.jobs.updateOne({ _id: job._id }, { $set: { dueAt: next?.at ?? null, attempts: cur.j.attempts + 1, payload: JSON.stringify(state) } });
  }
}

export interface PreHistory {
  type: import('../persistence/store').HistoryType;
  elementId?: string;
  actor?: ActorRef;
  data?: unknown;
}

export const ENGINE_VERSION = '25.0.1';

const timerJobId = (instanceId: string, executionId: string) => `${instanceId}:timer:${executionId}`;

/** The history rows of the instance's last save, kept in its document until the next save carries them (AfterSavePlan.recent). */
function recentHistory(doc: Pick<InstanceDoc, 'rev' | 'plan'>): Array<HistoryDoc & { _id: string }> {
  if (!doc.plan) return [];
  const plan = planFromJson(doc.plan);
  return plan.rev === doc.rev ? (plan.recent ?? []) : [];
}

/**
 * What a reader must add to the history collection: the last save's rows, and the rows its plan is
 * still to insert (the save before's, which until the plan is applied are in neither the collection
 * nor `recent`). getHistory drops the ones already inserted by _id.
 */
function unstoredHistory(doc: Pick<InstanceDoc, 'rev' | 'plan'>): Array<HistoryDoc & { _id: string }> {
  if (!doc.plan) return [];
  const plan = planFromJson(doc.plan);
  return plan.rev === doc.rev ? [...plan.history, ...(plan.recent ?? [])] : [];
}

/** Child instance id of a call activity execution: stable, so starting it twice starts it once. */
export function childIdOf(parentId: string, executionId: string): string {
  const h = crypto.createHash('sha256').update(`${parentId}/${executionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Sets variables in every environment of a saved engine state (process, sub-processes, definition). */
export function patchStateVariables(state: unknown, patch: Record<string, unknown>): unknown {
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    const env = obj.environment as { variables?: Record<string, unknown> } | undefined;
    if (env && typeof env === 'object' && env.variables && typeof env.variables === 'object') Object.assign(env.variables, patch);
    for (const v of Object.values(obj)) walk(v);
  };
  walk(state);
  return state;
}
