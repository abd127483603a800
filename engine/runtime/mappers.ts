/** Stored documents → the views of workflows/bpmn/views.ts. */
import type { CompiledMeta } from '../definitions/compile';
import type { DefinitionDoc, HistoryDoc, IncidentDoc, InstanceDoc, TaskDoc } from '../persistence/store';
import type { DefinitionSummaryView, DefinitionView, HistoryEntryView, IncidentView, InstanceSummaryView, InstanceView, TaskView } from '../../workflows/bpmn/views';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
const parse = (s: string | null | undefined): any => (s ? JSON.parse(s) : null);

export const xmlUrlOf = (key: string, version: number) => `/api/workflows/${encodeURIComponent(key)}/versions/${version}/xml`;

export function definitionSummary(d: DefinitionDoc): DefinitionSummaryView {
  return { id: d._id, key: d.key, version: d.version, name: d.name, deployedAt: iso(d.deployedAt)!, deployedBy: d.deployedBy };
}

export function definitionView(d: DefinitionDoc): DefinitionView {
  const meta = JSON.parse(d.meta) as CompiledMeta;
  return {
    ...definitionSummary(d),
    hash: d.hash,
    xmlUrl: xmlUrlOf(d.key, d.version),
    warnings: (d.warnings ?? []).map((w) => ({ path: w.elementId, message: w.message })),
    messageStarts: Object.keys(meta.messageStarts),
    elements: meta.elements,
  };
}

export function instanceSummary(i: InstanceDoc): InstanceSummaryView {
  return {
    id: i._id,
    processKey: i.processKey,
    version: i.version,
    businessKey: i.businessKey,
    status: i.status,
    incident: i.incident,
    tokens: i.tokens,
    startedAt: iso(i.startedAt)!,
    updatedAt: iso(i.updatedAt)!,
    endedAt: iso(i.endedAt),
  };
}

export function instanceView(i: InstanceDoc): InstanceView {
  return {
    ...instanceSummary(i),
    definitionId: i.definitionId,
    xmlUrl: xmlUrlOf(i.processKey, i.version),
    variables: parse(i.variables) ?? {},
    waits: i.waits.map((w) => ({ kind: w.kind, activityId: w.activityId, executionId: w.executionId, ...(w.name ? { name: w.name } : {}), ...(w.dueAt ? { dueAt: iso(w.dueAt)! } : {}) })),
    incidentActivities: i.incidentActivities,
    path: { elements: i.visited, flows: i.takenFlows },
    retries: i.parked.filter((p) => p.reason === 'retry').map((p) => ({ activityId: p.activityId, dueAt: iso(p.dueAt) })),
    parent: i.parent ? { instanceId: i.parent.instanceId, activityId: i.parent.activityId } : null,
    error: i.error,
    startedBy: i.startedBy,
  };
}

export function taskView(t: TaskDoc): TaskView {
  return {
    id: t._id,
    instanceId: t.instanceId,
    processKey: t.processKey,
    businessKey: t.businessKey,
    activityId: t.activityId,
    name: t.name,
    candidateGroups: t.candidateGroups,
    candidateUsers: t.candidateUsers,
    assignee: t.assignee,
    claimedBy: t.claimedBy,
    claimedByLabel: t.claimedByLabel,
    owner: t.ownerLabel ?? t.owner ?? null,
    formKey: t.formKey,
    priority: t.priority,
    dueAt: iso(t.dueAt),
    status: t.status,
    version: t.version,
    createdAt: iso(t.createdAt)!,
    claimedAt: iso(t.claimedAt),
    completedAt: iso(t.completedAt),
    completedBy: t.completedBy,
    data: parse(t.data),
  };
}

export function incidentView(i: IncidentDoc): IncidentView {
  return {
    id: i._id,
    instanceId: i.instanceId,
    processKey: i.processKey,
    businessKey: i.businessKey,
    activityId: i.activityId,
    kind: i.kind,
    message: i.message,
    attempts: i.attempts,
    status: i.status,
    resolution: i.resolution,
    createdAt: iso(i.createdAt)!,
    resolvedAt: iso(i.resolvedAt),
  };
}

export function historyView(h: HistoryDoc): HistoryEntryView {
  return { at: iso(h.at)!, type: h.type, elementId: h.elementId, elementType: h.elementType, actor: h.actor, data: parse(h.data) };
}
