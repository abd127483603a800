/** The connectors, credentials and webhooks API as the designer uses it (shapes mirror the server's answers). */
import { api } from '../app/api';

export type JsonSchema = Record<string, unknown>;

export interface OperationView {
  id: string;
  name: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

export interface ConnectorView {
  id: string;
  kind: 'builtin' | 'rest';
  version: number;
  name: string;
  description?: string;
  operations: OperationView[];
  definition?: Record<string, unknown> & { operations?: unknown[] };
  versions?: Array<{ version: number; createdAt: string; createdBy?: string }>;
}

export interface Exchange {
  attempt: number;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body: string; truncated: boolean };
  error?: string;
  durationMs: number;
  retryInMs?: number;
}

export interface TestAnswer {
  ok: boolean;
  output?: unknown;
  error?: { message: string; retryable: boolean; bpmnErrorCode?: string };
  durationMs: number;
  exchanges: Exchange[];
}

export interface CredentialView {
  name: string;
  type: string;
  description?: string;
  fields: string[];
  usedBy: Array<{ kind: string; id: string; name: string }>;
  updatedAt: string;
}

export interface SubscriptionView {
  id: string;
  name: string;
  url: string;
  events: string[];
  allowNetworks: string[];
  active: boolean;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus?: number;
  createdAt: string;
  log: Array<{ at: string; attempt: number; status?: number; error?: string; responseBody?: string }>;
}

export interface InboundView {
  id: string;
  connectorId: string;
  path: string;
  name: string;
  messageName: string;
  businessKey: string;
  active: boolean;
}

export const NETWORKS = ['loopback', 'private', 'link-local'] as const;
export const CREDENTIAL_TYPES = ['apiKey', 'token', 'basic', 'oauth2Client', 'generic'] as const;
export const CREDENTIAL_FIELDS: Record<string, string[]> = { apiKey: ['value'], token: ['value'], basic: ['username', 'password'], oauth2Client: ['clientId', 'clientSecret'], generic: ['value'] };

const enc = encodeURIComponent;

export const connectorsApi = {
  list: () => api.get<ConnectorView[]>('/api/connectors'),
  get: (id: string) => api.get<ConnectorView>(`/api/connectors/${enc(id)}`),
  restSchema: () => api.get<JsonSchema>('/api/connectors/rest-schema'),
  create: (definition: unknown) => api.post<ConnectorView>('/api/connectors', definition),
  save: (id: string, expectedVersion: number, definition: unknown) => api.put<ConnectorView>(`/api/connectors/${enc(id)}`, { expectedVersion, definition }),
  archive: (id: string) => api.delete(`/api/connectors/${enc(id)}`),
  test: (id: string, operation: string, input: unknown) => api.post<TestAnswer>(`/api/connectors/${enc(id)}/operations/${enc(operation)}/test`, { input }),
  testDraft: (definition: unknown, operation: string, input: unknown) => api.post<TestAnswer>('/api/connectors/test-draft', { definition, operation, input }),
  importOpenApi: (document: unknown) => api.post<{ operations: unknown[]; baseUrl?: string; title?: string; warnings: string[] }>('/api/connectors/import-openapi', { document }),

  credentials: () => api.get<CredentialView[]>('/api/credentials'),
  createCredential: (body: { name: string; type: string; values: Record<string, string> }) => api.post<CredentialView>('/api/credentials', body),
  deleteCredential: (name: string) => api.delete(`/api/credentials/${enc(name)}`),

  eventTypes: () => api.get<string[]>('/api/webhooks/event-types'),
  subscriptions: () => api.get<SubscriptionView[]>('/api/webhooks/subscriptions'),
  subscribe: (body: { name: string; url: string; events: string[]; allowNetworks: string[] }) => api.post<SubscriptionView & { secret: string }>('/api/webhooks/subscriptions', body),
  unsubscribe: (id: string) => api.delete(`/api/webhooks/subscriptions/${enc(id)}`),
  deliveries: () => api.get<DeliveryView[]>('/api/webhooks/deliveries?limit=50'),
  replay: (id: string) => api.post<DeliveryView>(`/api/webhooks/deliveries/${enc(id)}/replay`),
  inbound: () => api.get<InboundView[]>('/api/webhooks/inbound'),
  createInbound: (body: { connectorId: string; key: string; name: string; messageName: string; businessKey: string; variables?: string; toleranceSec: number }) =>
    api.post<InboundView & { secret: string }>('/api/webhooks/inbound', body),
  updateInbound: (id: string, body: { active?: boolean }) => api.patch<InboundView>(`/api/webhooks/inbound/${enc(id)}`, body),
  rotateInbound: (id: string) => api.post<InboundView & { secret: string }>(`/api/webhooks/inbound/${enc(id)}/rotate-secret`),
  deleteInbound: (id: string) => api.delete(`/api/webhooks/inbound/${enc(id)}`),
};
