/**
 * The workflow API as the designer uses it. Shapes come from workflows/bpmn/views.ts (the engine
 * builds them, server/contracts/workflows.ts re-exports them).
 */
import { api, ApiError } from '../app/api';
import type { CatalogView } from '../../workflows/bpmn/views';
import { EMPTY_CATALOG, type HandlerChoice, type HandlerInput, type ModelerCatalog } from './modeler/catalog';
import type { StuckInstance } from '../../server/contracts/operations';

export type { StuckInstance, StuckReason } from '../../server/contracts/operations';

export type {
  DefinitionSummaryView,
  DefinitionView,
  DeployResultView,
  ValidateResultView,
  InstanceSummaryView,
  InstanceView,
  InstanceStatusView,
  HistoryEntryView,
  IncidentView,
  CorrelationResultView,
  TaskView,
  IssueView,
} from '../../workflows/bpmn/views';

export const INSTANCE_STATUSES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** The raw XML of a definition (xmlUrl of a DefinitionView or InstanceView). */
export async function fetchXml(url: string): Promise<string> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/xml, text/xml, */*' } });
  if (!res.ok) {
    let title = res.statusText;
    try {
      title = ((await res.json()) as { title?: string }).title ?? title;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, title);
  }
  return res.text();
}

interface TemplatePropertyLike {
  label?: string;
  description?: string;
  type: string;
  value?: unknown;
  choices?: Array<{ name: string; value: string }>;
  binding: { type: string; name?: string; source?: string };
  constraints?: { notEmpty?: boolean; pattern?: { value: string; message: string } };
}

interface ElementTemplateLike {
  name: string;
  scopes?: Array<{ properties: TemplatePropertyLike[] }>;
}

const INPUT_TYPES = new Set<HandlerInput['type']>(['String', 'Text', 'Boolean', 'Dropdown']);

/** A connector operation as the modeler offers it: its typed inputs and output mapping, from its element template. */
export function handlerFromTemplate(tpl: ElementTemplateLike): HandlerChoice | undefined {
  const props = tpl.scopes?.[0]?.properties ?? [];
  const id = props.find((p) => p.binding.type === 'property' && p.binding.name === 'connectorId')?.value;
  if (typeof id !== 'string') return undefined;
  const inputs: HandlerInput[] = props
    .filter((p) => p.binding.type === 'camunda:inputParameter' && p.binding.name)
    .map((p) => ({
      name: p.binding.name!,
      label: p.label ?? p.binding.name!,
      type: INPUT_TYPES.has(p.type as HandlerInput['type']) ? (p.type as HandlerInput['type']) : 'String',
      ...(p.description ? { description: p.description } : {}),
      required: p.constraints?.notEmpty === true,
      ...(p.value !== undefined ? { value: String(p.value) } : {}),
      ...(p.choices ? { choices: p.choices } : {}),
      ...(p.constraints?.pattern ? { pattern: p.constraints.pattern } : {}),
    }));
  const out = props.find((p) => p.binding.type === 'camunda:outputParameter' && p.binding.source);
  return { id, label: tpl.name, inputs, ...(out ? { output: { source: out.binding.source!, ...(typeof out.value === 'string' ? { name: out.value } : {}) } } : {}) };
}

/** The modeler's pick lists: the workflow catalog plus connector names from their element templates. */
export async function loadCatalog(): Promise<ModelerCatalog> {
  const [catalog, templates] = await Promise.all([
    api.get<CatalogView>('/api/workflows/catalog'),
    api.get<ElementTemplateLike[]>('/api/connectors/element-templates').catch(() => [] as ElementTemplateLike[]),
  ]);
  const byId = new Map<string, HandlerChoice>();
  for (const tpl of templates) {
    const choice = handlerFromTemplate(tpl);
    if (choice) byId.set(choice.id, choice);
  }
  const handlers = catalog.connectors.map((id) => byId.get(id) ?? { id, label: id, inputs: [] });
  return {
    ...EMPTY_CATALOG,
    handlers,
    ruleSets: catalog.ruleSets,
    forms: catalog.forms.map((f) => f.key),
    templates: catalog.templates,
    processes: catalog.processes,
    groups: catalog.candidateGroups,
    known: { handlers: true, ruleSets: true, forms: true, templates: true, processes: true },
  };
}

import type { DefinitionSummaryView as Summary, DeployResultView as DeployResult } from '../../workflows/bpmn/views';

/** The XML of one version (the same URL the server puts in DefinitionView.xmlUrl). */
export const xmlUrlOf = (key: string, version: number) => `/api/workflows/${encodeURIComponent(key)}/versions/${version}/xml`;

export interface ProcessVersions {
  key: string;
  /** newest first */
  versions: Array<Summary & { xmlUrl: string }>;
}

export async function getProcess(key: string): Promise<ProcessVersions> {
  const list = await api.get<Summary[]>(`/api/workflows/${encodeURIComponent(key)}/versions`);
  return { key, versions: [...list].sort((a, b) => b.version - a.version).map((v) => ({ ...v, xmlUrl: xmlUrlOf(v.key, v.version) })) };
}

export const listProcesses = () => api.get<Summary[]>('/api/workflows');

export const deployXml = (xml: string) => api.post<DeployResult>('/api/workflows', { xml });

import type { CorrelationResultView as Correlation, HistoryEntryView as History, IncidentView as Incident, InstanceSummaryView as InstanceSummary, InstanceView as Instance } from '../../workflows/bpmn/views';

export interface InstanceFilter {
  processKey?: string;
  status?: string;
  businessKey?: string;
  incident?: boolean;
  limit?: number;
  offset?: number;
}

export function listInstances(filter: InstanceFilter, signal?: AbortSignal) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, String(v));
  return api.get<{ items: InstanceSummary[]; total: number }>(`/api/instances?${q}`, { signal });
}

export const getInstance = (id: string) => api.get<Instance>(`/api/instances/${encodeURIComponent(id)}`);
export const getHistory = (id: string) => api.get<History[]>(`/api/instances/${encodeURIComponent(id)}/history`);
export const cancelInstance = (id: string, reason?: string) => api.post<Instance>(`/api/instances/${encodeURIComponent(id)}/cancel`, reason ? { reason } : {});
export const listIncidents = (instanceId: string) => api.get<Incident[]>(`/api/incidents?instanceId=${encodeURIComponent(instanceId)}`);
export const retryIncident = (incidentId: string, variables?: Record<string, unknown>) =>
  api.post<Instance>(`/api/incidents/${encodeURIComponent(incidentId)}/retry`, variables ? { variables } : {});
export const sendMessage = (body: { name: string; instanceId?: string; businessKey?: string; variables?: Record<string, unknown> }) => api.post<Correlation>('/api/messages', body);

/** Flows without progress beyond their step's limit (admins: instances.operate). */
export function listStuck(limitMinutes: number | undefined, signal?: AbortSignal) {
  const q = limitMinutes === undefined ? '' : `?limitMinutes=${limitMinutes}`;
  return api.get<StuckInstance[]>(`/api/operations/stuck${q}`, { signal });
}
