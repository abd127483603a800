/**
 * Escalation by boundary timers: when a timer attached to a user task fires, the tasks it concerns
 * are flagged and announced on their rooms as `task.sla` with level 'escalated' (the SLA warnings'
 * path). A non-interrupting timer flags the task it sits on; an interrupting one cancels that task,
 * and the user tasks its outgoing path reaches are flagged (the work was reassigned).
 *
 * A timer has fired once a sequence flow leaving its boundary event was taken (the instance keeps
 * the flows taken), so the watch looks at instances of processes that have such timers after every
 * change. "Once" holds across nodes: a task is announced only by whoever inserted its flag (an _id
 * insert is atomic everywhere); the inbox reads the flags by task id.
 */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { parseDefinition, type TaskActor, type TaskService, type WorkflowRuntime } from '../../engine';
import type { InstanceSummaryView, TaskView } from '../../workflows/bpmn/views';
import type { ModdleLike } from '../../workflows/bpmn/dialect';
import { holderOf } from '../contracts/inbox';
import type { TaskEscalation } from '../contracts/realtime';
import type { Logger } from '../infra/logger';
import type { RealtimeGateway } from './realtime.gateway';
import type { FactsByKeys } from '../api/tasks/task-actor';

/** A timer boundary event on a user task, with what it leads to. */
export interface BoundaryTimer {
  id: string;
  name: string;
  attachedTo: string;
  attachedName: string;
  interrupting: boolean;
  /** sequence flows leaving the boundary event */
  outgoing: string[];
  /** user tasks reached from those flows (the escalation path's first user tasks) */
  targets: string[];
}

interface EscalationDoc extends TaskEscalation {
  /** the task id */
  _id: string;
  instanceId: string;
}

const flagsOf = (connection: Connection) => connection.collection('taskEscalations') as unknown as Collection<EscalationDoc>;

/** The escalation flags of these tasks (absent: not escalated). Reads by _id only (the inbox rows). */
export async function taskEscalationsOf(connection: Connection, taskIds: readonly string[]): Promise<Map<string, TaskEscalation>> {
  const flags = flagsOf(connection);
  const out = new Map<string, TaskEscalation>();
  const ids = [...new Set(taskIds)];
  for (let i = 0; i < ids.length; i += 16) {
    const docs = await Promise.all(ids.slice(i, i + 16).map((id) => flags.findOne({ _id: id })));
    for (const d of docs) if (d) out.set(d._id, { at: d.at, timer: d.timer, from: d.from, interrupting: d.interrupting });
  }
  return out;
}

const children = (el: ModdleLike, key: string) => ((el[key] as ModdleLike[] | undefined) ?? []);

/** The timer boundary events attached to user tasks in a parsed BPMN (processes and their sub-processes). */
export function boundaryTimersOf(root: ModdleLike): BoundaryTimer[] {
  const found: BoundaryTimer[] = [];
  const walk = (container: ModdleLike) => {
    for (const el of children(container, 'flowElements')) {
      if (el.$type === 'bpmn:SubProcess') walk(el);
      if (el.$type !== 'bpmn:BoundaryEvent') continue;
      const host = el.attachedToRef as ModdleLike | undefined;
      if (host?.$type !== 'bpmn:UserTask' || !children(el, 'eventDefinitions').some((d) => d.$type === 'bpmn:TimerEventDefinition')) continue;
      const outgoing = children(el, 'outgoing');
      found.push({
        id: el.id!,
        name: (el.name as string | undefined) ?? el.id!,
        attachedTo: host.id!,
        attachedName: (host.name as string | undefined) ?? host.id!,
        interrupting: el.cancelActivity !== false,
        outgoing: outgoing.map((f) => f.id!),
        targets: userTasksAfter(outgoing),
      });
    }
  };
  for (const p of children(root, 'rootElements').filter((r) => r.$type === 'bpmn:Process')) walk(p);
  return found;
}

/** The first user tasks on each path from these flows (gateways, events and automatic tasks are passed through). */
function userTasksAfter(flows: ModdleLike[]): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const queue = [...flows];
  while (queue.length && seen.size < 500) {
    const target = queue.shift()!.targetRef as ModdleLike | undefined;
    if (!target?.id || seen.has(target.id)) continue;
    seen.add(target.id);
    if (target.$type === 'bpmn:UserTask') out.add(target.id);
    else queue.push(...children(target, 'outgoing'));
  }
  return [...out];
}

const ESCALATION_ACTOR: TaskActor = { kind: 'system', id: null, label: 'escalation', groups: [], canSeeAll: true, canAssign: false };

export interface EscalationWatchDeps {
  runtime: Pick<WorkflowRuntime, 'getInstance' | 'getDefinitionXml'> & { readonly tasks: Pick<TaskService, 'list'> };
  realtime: Pick<RealtimeGateway, 'publishSla'>;
  /** resolves once task events emitted so far went out (a flagged task is announced after it appeared) */
  beforePublish?: () => Promise<void>;
  /** the orders' channel and warehouse, so a warning reaches only sockets whose record scope holds the order */
  facts?: FactsByKeys;
  logger: Logger;
  clock?: () => Date;
}

export class EscalationWatch {
  private readonly flags: Collection<EscalationDoc>;
  private readonly timers = new Map<string, Promise<BoundaryTimer[]>>();
  /** instance:timer pairs this node already handled (bounded; the flags make a repeat harmless anyway) */
  private readonly handled = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly clock: () => Date;

  constructor(
    connection: Connection,
    private readonly deps: EscalationWatchDeps,
  ) {
    this.flags = flagsOf(connection);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Watches the runtime's `instance.changed` events (the `events` emitter in server/main.ts). */
  listen(emitter: { on(event: 'instance.changed', listener: (payload: InstanceSummaryView) => void): unknown }): void {
    emitter.on('instance.changed', (s) => this.changed(s));
  }

  /** Looks at one instance change; changes of one instance are looked at in order. */
  changed(s: Pick<InstanceSummaryView, 'id' | 'processKey' | 'version'>): Promise<void> {
    const prev = this.chains.get(s.id) ?? Promise.resolve();
    const next = prev.then(() => this.look(s)).catch((err) => this.deps.logger.warn({ err, instanceId: s.id }, 'escalation check failed'));
    this.chains.set(s.id, next);
    void next.finally(() => {
      if (this.chains.get(s.id) === next) this.chains.delete(s.id);
    });
    return next;
  }

  /** Resolves when every change seen so far was looked at (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  private timersOf(key: string, version: number): Promise<BoundaryTimer[]> {
    const id = `${key}@${version}`;
    let known = this.timers.get(id);
    if (!known) {
      known = this.deps.runtime
        .getDefinitionXml(key, version)
        .then(async ({ xml }) => boundaryTimersOf((await parseDefinition(xml)).root))
        .catch((err) => {
          // a definition this version cannot read: no escalations for it, said once
          this.deps.logger.warn({ err, definition: id }, 'boundary timers of a definition could not be read');
          return [];
        });
      this.timers.set(id, known);
    }
    return known;
  }

  private async look(s: Pick<InstanceSummaryView, 'id' | 'processKey' | 'version'>): Promise<void> {
    const timers = await this.timersOf(s.processKey, s.version);
    if (!timers.length) return;
    const pending = timers.filter((t) => !this.handled.has(`${s.id}:${t.id}`));
    if (!pending.length) return;
    const taken = new Set((await this.deps.runtime.getInstance(s.id)).path.flows);
    const fired = pending.filter((t) => t.outgoing.some((f) => taken.has(f)));
    if (!fired.length) return;
    const { items } = await this.deps.runtime.tasks.list({ queue: 'all', instanceId: s.id, limit: 500 }, ESCALATION_ACTOR);
    const at = this.clock().toISOString();
    const announce: Array<{ task: TaskView; escalation: TaskEscalation }> = [];
    for (const timer of fired) {
      const concerned = items.filter((t) => timer.targets.includes(t.activityId) || (!timer.interrupting && t.activityId === timer.attachedTo));
      for (const task of concerned) {
        const escalation: TaskEscalation = { at, timer: timer.name, from: timer.attachedName, interrupting: timer.interrupting };
        try {
          await this.flags.insertOne({ _id: task.id, instanceId: s.id, ...escalation });
        } catch (err) {
          if ((err as { code?: number }).code === 11000) continue; // flagged already (here or on another node)
          throw err;
        }
        announce.push({ task, escalation });
      }
      this.remember(`${s.id}:${timer.id}`);
    }
    if (!announce.length) return;
    await this.deps.beforePublish?.();
    const keys = [...new Set(announce.flatMap((a) => (a.task.businessKey ? [a.task.businessKey] : [])))];
    const facts = this.deps.facts && keys.length ? await this.deps.facts(keys) : new Map();
    for (const { task, escalation } of announce) {
      const event = { taskId: task.id, level: 'escalated' as const, dueAt: task.dueAt ?? at, at, escalation, candidateGroups: task.candidateGroups, candidateUsers: task.candidateUsers, assignee: holderOf(task) };
      this.deps.realtime.publishSla(event, (task.businessKey && facts.get(task.businessKey)) || null);
    }
    this.deps.logger.info({ instanceId: s.id, tasks: announce.map((a) => a.task.id) }, 'tasks escalated by a boundary timer');
  }

  private remember(key: string): void {
    if (this.handled.size >= 10_000) this.handled.clear();
    this.handled.add(key);
  }
}
