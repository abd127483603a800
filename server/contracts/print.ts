/**
 * What the printing API answers about a print job, shared by the server (print.service.ts) and the
 * designer's print actions. Pure types, no imports at run time.
 */
export const PRINT_JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type PrintJobStatus = (typeof PRINT_JOB_STATUSES)[number];
export type PrintJobKind = 'single' | 'batch' | 'reprint' | 'flow';
/** how a batch built from a search orders its documents */
export const GROUP_BY = ['carrier', 'warehouse', 'none'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface PrintJobView {
  id: string;
  kind: PrintJobKind;
  status: PrintJobStatus;
  template: { key: string; version: number; name: string };
  orderIds: string[];
  orderNumbers: string[];
  filter?: unknown;
  requestedBy: string;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress: { done: number; total: number };
  /** times the batch was started: 1, plus one per takeover after its node stopped */
  runs: number;
  pages: number;
  /** documents that could not be rendered; the rest of the batch is in the PDF */
  failures: Array<{ orderId: string; orderNumber?: string; reason: string }>;
  warnings: Array<{ orderId: string; orderNumber?: string; messages: string[] }>;
  fileSize?: number;
  downloadUrl?: string;
  reprintOf?: string;
  reason?: string;
  error?: string;
}
