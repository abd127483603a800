/**
 * What the workflow runtime answers with: plain JSON shapes shared by the engine (which builds
 * them), the API (server/contracts/workflows.ts re-exports them) and the designer (which paints
 * diagrams and task inboxes from them). Dates are ISO strings.
 */

export interface ActorView {
  kind: string;
  id: string | null;
  label: string;
}

export interface IssueView {
  /** the element id, or `xml` / `(definitions)` for file-level problems */
  path: string;
  message: string;
}

export interface DefinitionSummaryView {
  id: string;
  key: string;
  version: number;
  name: string | null;
  deployedAt: string;
  deployedBy: ActorView;
  /** how many versions this key has (on the latest only) */
  versions?: number;
}

/** Whether a process may start new instances, and the schedules of its timer start events. */
export interface ProcessScheduleView {
  key: string;
  suspended: boolean;
  timerStarts: Array<{
    eventId: string;
    version: number;
    type: 'timeDate' | 'timeDuration' | 'timeCycle';
    value: string;
    /** active: fires at nextAt; paused: the process is suspended; done: no occurrence left */
    state: 'active' | 'paused' | 'done';
    nextAt: string | null;
    /** occurrences run so far */
    fired: number;
  }>;
}

export interface DefinitionView extends DefinitionSummaryView {
  hash: string;
  xmlUrl: string;
  warnings: IssueView[];
  /** message names that start this process */
  messageStarts: string[];
  /** element id → what Ordo runs there (for the designer's properties panel and inspectors) */
  elements: Record<string, unknown>;
}

export interface DeployResultView {
  definition: DefinitionView;
  /** false: the XML equals the latest version, nothing new was deployed */
  created: boolean;
}

export interface ValidateResultView {
  valid: boolean;
  key: string | null;
  errors: IssueView[];
  warnings: IssueView[];
}

export type InstanceStatusView = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface WaitView {
  kind: 'task' | 'message' | 'signal' | 'timer' | 'call';
  activityId: string;
  executionId: string;
  name?: string;
  dueAt?: string;
}

export interface InstanceSummaryView {
  id: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  status: InstanceStatusView;
  incident: boolean;
  /** element ids where tokens are (waiting tasks, events, timers, calls, parked services, and their sub-processes) */
  tokens: string[];
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface InstanceView extends InstanceSummaryView {
  definitionId: string;
  /** GET this for the diagram the instance runs on */
  xmlUrl: string;
  variables: Record<string, unknown>;
  waits: WaitView[];
  /** element ids with an open incident */
  incidentActivities: string[];
  /** the path taken: elements entered and sequence flows taken */
  path: { elements: string[]; flows: string[] };
  retries: Array<{ activityId: string; dueAt: string | null }>;
  parent: { instanceId: string; activityId: string } | null;
  error: { message: string; activityId?: string; code?: string } | null;
  startedBy: ActorView;
}

export interface HistoryEntryView {
  at: string;
  type: string;
  elementId: string | null;
  elementType: string | null;
  actor: ActorView | null;
  data: unknown;
}

export interface TaskView {
  id: string;
  instanceId: string;
  processKey: string;
  businessKey: string | null;
  activityId: string;
  name: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  claimedBy: string | null;
  claimedByLabel: string | null;
  /** who delegated the task to its holder (delegation); null when it was not delegated */
  owner?: string | null;
  formKey: string | null;
  priority: number;
  dueAt: string | null;
  status: 'open' | 'claimed' | 'completed' | 'cancelled';
  version: number;
  createdAt: string;
  claimedAt: string | null;
  completedAt: string | null;
  completedBy: ActorView | null;
  data: Record<string, unknown> | null;
  /** on task events only: who made this change (unclaimed it, assigned or delegated it) */
  actedBy?: string;
}

/** A form's texts in one language: its title, and field titles/descriptions by dotted path (`customer.name`, `lines.sku`). */
export interface FormTranslation {
  title?: string;
  fields?: Record<string, { title?: string; description?: string; enumNames?: string[] }>;
}

export interface TaskFormView {
  key: string;
  title?: string;
  schema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
  /** by language (zh-CN, zh-TW); English is the schema itself */
  translations?: Record<string, FormTranslation>;
}

export interface IncidentView {
  id: string;
  instanceId: string;
  processKey: string;
  businessKey: string | null;
  activityId: string;
  /** call: the instance a call activity started failed or has an incident */
  kind: 'service' | 'engine' | 'bpmnError' | 'call';
  message: string;
  attempts: number;
  status: 'open' | 'resolved';
  resolution: 'retried' | 'cancelled' | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface CorrelationResultView {
  /**
   * correlated: a waiting instance received it; started: a message start event created an instance;
   * buffered: nothing waits yet, the message (sent with a time to live) waits for an instance with its business key
   */
  result: 'correlated' | 'started' | 'buffered';
  /** null when buffered */
  instanceId: string | null;
  /** buffered: the buffer entry and until when it is kept */
  messageId?: string;
  expiresAt?: string;
}

/** What the modeler may reference (connector operations, handlers, rule sets, forms, processes, templates). */
export interface CatalogView {
  connectors: string[];
  ruleSets: string[];
  forms: Array<{ key: string; title?: string }>;
  processes: string[];
  templates: string[];
  candidateGroups: string[];
}

/** Domain events the runtime emits through its event sink (the socket layer broadcasts them). */
export type WorkflowEventName =
  | 'task.created'
  | 'task.claimed'
  | 'task.unclaimed'
  | 'task.assigned'
  | 'task.completed'
  | 'task.cancelled'
  | 'instance.changed'
  | 'incident.opened'
  | 'incident.resolved';

export interface WorkflowEventPayloads {
  'task.created': TaskView;
  'task.claimed': TaskView;
  'task.unclaimed': TaskView;
  'task.assigned': TaskView;
  'task.completed': TaskView;
  'task.cancelled': TaskView;
  'instance.changed': InstanceSummaryView;
  'incident.opened': IncidentView;
  'incident.resolved': IncidentView;
}
