/**
 * Task events of the workflow runtime → socket.io: each TaskView becomes a TaskEvent (with the
 * order's fields for the inbox columns) and goes to exactly the rooms that may see it. Events of
 * one task are sent in the order they happened (the field look-up is async); the client also
 * ignores anything older than the version it has.
 */
import type { TaskView, WorkflowEventName, WorkflowEventPayloads } from '../../workflows/bpmn/views';
import { taskEventOf, type TaskFields } from '../contracts/inbox';
import type { TaskEventName } from '../contracts/realtime';
import type { Logger } from '../infra/logger';
import type { RealtimeGateway } from './realtime.gateway';

const NAMES: Partial<Record<WorkflowEventName, TaskEventName>> = {
  'task.created': 'task.created',
  'task.claimed': 'task.claimed',
  'task.unclaimed': 'task.unclaimed',
  'task.assigned': 'task.updated',
  'task.completed': 'task.completed',
  'task.cancelled': 'task.cancelled',
};

function actorOf(name: WorkflowEventName, v: TaskView): string | null {
  if (v.actedBy) return v.actedBy;
  if (name === 'task.completed') return v.completedBy?.label ?? null;
  if (name === 'task.claimed') return v.claimedByLabel ?? v.claimedBy;
  return null;
}

export interface TaskPublisherDeps {
  realtime: Pick<RealtimeGateway, 'publishTask'>;
  fields(businessKey: string | null): Promise<TaskFields | undefined>;
  noInput(formKey: string | null): Promise<boolean>;
  logger: Logger;
  clock?: () => Date;
}

export class TaskPublisher {
  private readonly chains = new Map<string, Promise<void>>();
  constructor(private readonly deps: TaskPublisherDeps) {}

  /** A WorkflowEventSink: task events are published, anything else is ignored. */
  emit<E extends WorkflowEventName>(event: E, payload: WorkflowEventPayloads[E]): void {
    const name = NAMES[event];
    if (!name) return;
    const view = payload as TaskView;
    const prev = this.chains.get(view.id) ?? Promise.resolve();
    const next = prev.then(() => this.publish(event, name, view));
    this.chains.set(view.id, next);
    void next.finally(() => {
      if (this.chains.get(view.id) === next) this.chains.delete(view.id);
    });
  }

  private async publish(event: WorkflowEventName, name: TaskEventName, view: TaskView): Promise<void> {
    const at = (this.deps.clock?.() ?? new Date()).toISOString();
    let fields: TaskFields | undefined;
    let noInput: boolean | undefined;
    try {
      [fields, noInput] = await Promise.all([this.deps.fields(view.businessKey), this.deps.noInput(view.formKey)]);
    } catch (err) {
      // the event still goes out: the inbox shows the task without its order columns
      this.deps.logger.warn({ err, taskId: view.id }, 'task event without order fields');
    }
    this.deps.realtime.publishTask(name, taskEventOf(view, { at, by: actorOf(event, view), fields, noInput }));
  }

  /** Publishes the task events an emitter carries (the runtime's `events` sink in server/main.ts). */
  listen(emitter: { on(event: string, listener: (payload: TaskView) => void): unknown }): void {
    for (const event of Object.keys(NAMES) as WorkflowEventName[]) emitter.on(event, (payload) => this.emit(event, payload as WorkflowEventPayloads[typeof event]));
  }

  /** Resolves when every event emitted so far was published (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }
}
