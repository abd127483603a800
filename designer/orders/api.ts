/** Typed calls of the orders area (order, intake, tracking APIs). */
import { api, ApiError } from '../app/api';
import type { Channel, OrderEta, OrderEvent, OrderStatus, OrderView } from '../../workflows/model/order';
import type { FieldIssue } from '../../workflows/model/errors';

export interface OrderRow {
  createdAt: number;
  number: string;
  status: OrderStatus;
  statusSince: number;
  channel: Channel;
  warehouse?: string;
  total: number;
  currency: string;
  customerName: string;
}

export interface OrderDetail extends OrderView {
  eta: OrderEta;
  timeline: OrderEvent[];
}

export interface SearchParams {
  number?: string;
  customer?: string;
  status?: string;
  channel?: string;
  warehouse?: string;
  sku?: string;
  from?: string;
  to?: string;
  sort?: 'newest' | 'oldest';
  cursor?: string;
}

export interface ImportView {
  id: string;
  filename: string;
  kind: 'csv' | 'xlsx';
  columns: string[];
  rowCount: number;
  status: 'uploaded' | 'invalid' | 'validated' | 'committing' | 'completed' | 'failed';
  mapping?: Record<string, string>;
  suggestedMapping?: Record<string, string>;
  fields?: Array<{ field: string; required: boolean }>;
  sample?: Array<Record<string, string>>;
  errors: Array<{ row: number; column?: string; field?: string; message: string }>;
  errorCount: number;
  orderCount?: number;
  progress: { done: number; total: number; percent: number };
  numbers: string[];
  failure?: string;
}

export interface DraftView {
  id: string;
  status: 'open' | 'resolved' | 'discarded';
  source: { from?: string; subject?: string; messageId?: string; receivedAt: string };
  problems: FieldIssue[];
  extracted?: unknown;
  text?: string;
  attachments: Array<{ name: string; contentType: string; size: number }>;
  orderNumber?: string;
}

export interface PublicTracking {
  number: string;
  status: OrderStatus;
  statusSince: string;
  timeline: Array<{ at: string; status?: OrderStatus; event: 'status' | 'shipped' | 'received' }>;
  eta: { eta: string | null; basis: string };
  shipment?: { carrier?: string; trackingNumber?: string; trackingUrl?: string };
}

const qs = (p: Record<string, string | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) s.set(k, v);
  return s.toString();
};

export const ordersApi = {
  schema: () => api.get<Record<string, unknown>>('/api/orders/schema'),
  search: (p: SearchParams) => api.get<{ items: OrderRow[]; nextCursor?: string }>(`/api/orders?${qs({ ...p, limit: '50' })}`),
  get: (number: string) => api.get<OrderDetail>(`/api/orders/${encodeURIComponent(number)}`),
  create: (order: unknown) => api.post<OrderView>('/api/orders', order),
  act: (number: string, action: 'cancel' | 'hold' | 'release', reason?: string) => api.post<OrderView>(`/api/orders/${encodeURIComponent(number)}/${action}`, reason ? { reason } : {}),
  drafts: () => api.get<DraftView[]>('/api/intake/drafts'),
  enterDraft: (id: string, order: unknown) => api.post<OrderView>(`/api/intake/drafts/${id}/order`, order),
  discardDraft: (id: string) => api.post<DraftView>(`/api/intake/drafts/${id}/discard`, {}),
  importStatus: (id: string) => api.get<ImportView>(`/api/intake/imports/${id}`),
  mapImport: (id: string, mapping: Record<string, string>) => api.post<ImportView>(`/api/intake/imports/${id}/mapping`, { mapping }),
  commitImport: (id: string) => api.post<ImportView>(`/api/intake/imports/${id}/commit`, {}),
  track: (number: string, by: { email?: string; postcode?: string }) => api.get<PublicTracking>(`/api/tracking/${encodeURIComponent(number)}?${qs(by)}`),
  webOrder: (order: unknown, key: string) => webPost(order, key),
};

/** The file upload goes as the raw body (CSV or XLSX), not JSON; the CSRF token comes from /me like every write. */
export async function uploadImport(file: File): Promise<ImportView> {
  const { csrfToken } = await api.get<{ csrfToken: string }>('/api/auth/me');
  const res = await fetch(`/api/intake/imports?filename=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': file.type || 'application/octet-stream', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}), accept: 'application/json' },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as ImportView & { title?: string; errors?: FieldIssue[] };
  if (!res.ok) throw new ApiError(res.status, body.title ?? res.statusText, (body.errors as FieldIssue[] | undefined) ?? []);
  return body;
}

async function webPost(order: unknown, key: string): Promise<{ number: string; trackingPath: string }> {
  const res = await fetch('/api/intake/web-orders', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, accept: 'application/json' }, body: JSON.stringify(order) });
  const body = (await res.json().catch(() => ({}))) as { number: string; trackingPath: string; title?: string; errors?: FieldIssue[] };
  if (!res.ok) throw new ApiError(res.status, body.title ?? res.statusText, body.errors ?? []);
  return body;
}
