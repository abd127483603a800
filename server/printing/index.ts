/**
 * The printing module, wired by the composition root: templates, the warm PDF renderer, print jobs,
 * and the DocumentPrinter the workflow runtime uses for print tasks.
 */
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { DocumentPrinter } from '../../engine/ports';
import type { AuditService } from '../audit/audit.service';
import type { Logger } from '../infra/logger';
import { PROJECT_ROOT } from '../db/ferretdb';
import { createDocumentPrinter } from './document-printer';
import { mongoOrderSource, type OrderSource } from './order-source';
import { PdfRenderer, type PdfRendererOptions } from './pdf-renderer';
import { PdfStore } from './pdf-store';
import { PRINT_DEFAULTS, PrintService, type PrintEventSink, type PrintLimits } from './print.service';
import { printingModels } from './printing.model';
import { TemplateService, type PublishGate } from './template.service';

export { PdfRenderer, RenderTimeoutError } from './pdf-renderer';
export { PrintService, PRINT_DEFAULTS, NO_EVENTS, type PrintEventSink, type PrintLimits, type PrintJobView } from './print.service';
export { TemplateService } from './template.service';
export { mongoOrderSource, type OrderSource, type OrderFilter } from './order-source';
export { createDocumentPrinter } from './document-printer';

export const REFERENCE_TEMPLATES_DIR = path.join(PROJECT_ROOT, 'workflows', 'templates');

export interface PrintingOptions {
  limits?: Partial<PrintLimits>;
  /** pages rendering at once; default 2 (one per core on the reference machine) */
  poolSize?: number;
  /** renders before a page, and before the browser, is replaced (defaults 500 and 5,000) */
  recycle?: Pick<PdfRendererOptions, 'recyclePageAfter' | 'recycleBrowserAfter'>;
  /** start Chromium now instead of on the first print */
  warm?: boolean;
  /** the orders module's reader; default: the `orders` collection */
  orders?: OrderSource;
  events?: PrintEventSink;
  launch?: PdfRendererOptions['launch'];
  referenceTemplatesDir?: string | false;
  /** four-eyes publishing (the approvals module) */
  publishGate?: PublishGate;
  /** a batch without a heartbeat for this long is taken over by another node (default 30 s) */
  leaseMs?: number;
}

export interface Printing {
  templates: TemplateService;
  print: PrintService;
  renderer: PdfRenderer;
  documentPrinter: DocumentPrinter;
  close(): Promise<void>;
}

export async function createPrinting(deps: { connection: Connection; audit: AuditService; logger: Logger }, options: PrintingOptions = {}): Promise<Printing> {
  const logger = deps.logger.child({ module: 'printing' });
  const models = printingModels(deps.connection);
  await Promise.all([models.Template.init(), models.Asset.init(), models.PrintJob.init()]);
  const limits = { ...PRINT_DEFAULTS, ...options.limits };
  const renderer = new PdfRenderer({ logger, poolSize: options.poolSize ?? 2, timeoutMs: limits.documentTimeoutMs, launch: options.launch, ...options.recycle });
  const templates = new TemplateService(models, deps.audit, logger, options.publishGate);
  const print = new PrintService({
    models,
    templates,
    renderer,
    orders: options.orders ?? mongoOrderSource(deps.connection),
    files: new PdfStore(deps.connection),
    audit: deps.audit,
    logger,
    events: options.events,
    limits,
    leaseMs: options.leaseMs,
  });
  if (options.referenceTemplatesDir !== false) await templates.ensureReferenceTemplates(options.referenceTemplatesDir ?? REFERENCE_TEMPLATES_DIR);
  void print.failInterruptedJobs().catch((err) => logger.warn({ err }, 'could not mark interrupted print jobs'));
  print.startResuming();
  if (options.warm) void renderer.warm().catch((err) => logger.error({ err }, 'chromium could not be started; printing will retry on the first print'));
  return {
    templates,
    print,
    renderer,
    documentPrinter: createDocumentPrinter(print, templates),
    async close() {
      await print.close();
      await renderer.close();
    },
  };
}
