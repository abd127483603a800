/** Typed calls of the printing API (server/api/print) and the published templates to print with. */
import { api } from '../app/api';
import type { GroupBy, PrintJobStatus, PrintJobView } from '../../server/contracts/print';

export type { GroupBy, PrintJobView };

export interface PrintTemplate {
  key: string;
  name: string;
  latestVersion: number | null;
}

/** The part of the order search a batch can print as a search (server/printing/order-source.ts orderFilterSchema). */
export interface PrintSearch {
  status?: string;
  channel?: string;
  warehouse?: string;
}

const job = (id: string) => `/api/print/jobs/${encodeURIComponent(id)}`;

export const printApi = {
  /** templates that have a published version (only those can print) */
  templates: async () => (await api.get<PrintTemplate[]>('/api/templates')).filter((t) => t.latestVersion !== null),
  printOrder: (orderId: string, templateKey: string) => api.post<PrintJobView>(`/api/print/orders/${encodeURIComponent(orderId)}`, { templateKey }),
  startBatch: (body: { templateKey: string } & ({ orderIds: string[] } | { filter: PrintSearch; groupBy: GroupBy })) => api.post<PrintJobView>('/api/print/batches', body),
  history: (orderId: string) => api.get<PrintJobView[]>(`/api/print/jobs?orderId=${encodeURIComponent(orderId)}`),
  job: (id: string) => api.get<PrintJobView>(job(id)),
  cancel: (id: string) => api.post<PrintJobView>(`${job(id)}/cancel`),
  reprint: (id: string, reason: string) => api.post<PrintJobView>(`${job(id)}/reprint`, { reason }),
};

/** The PDF as a file download (the API serves it inline unless asked). */
export const downloadUrl = (j: PrintJobView): string | undefined => (j.downloadUrl ? `${j.downloadUrl}?download=1` : undefined);

export const isFinished = (status: PrintJobStatus) => status === 'completed' || status === 'failed' || status === 'cancelled';
