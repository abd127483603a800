/**
 * The engine's DocumentPrinter port (print service tasks: `ordo:template` + target). Renders the
 * published template for the flow's order, stores the PDF in the order's print history and
 * answers {printJobId, pages}. A missing template or order is a BPMN error the flow can catch; a
 * renderer outage is thrown as is, so the engine retries it.
 */
import type { CallContext, DocumentPrinter } from '../../engine/ports';
import { BpmnError } from '../../connectors/sdk/errors';
import { NotFoundError, UnprocessableError } from '../../workflows/model/errors';
import { RenderTimeoutError } from './pdf-renderer';
import type { PrintService } from './print.service';
import type { TemplateService } from './template.service';

/** Which order a print task is for: `target`, `orderId`, `order.id` in the variables, else the business key. */
export function orderRefOf(variables: Record<string, unknown>, ctx: CallContext): string | undefined {
  const order = variables.order as { id?: unknown; number?: unknown } | undefined;
  const candidates = [variables.target, variables.orderId, order?.id, order?.number, variables.orderNumber, ctx.businessKey];
  return candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '' && c !== 'order');
}

export function createDocumentPrinter(print: PrintService, templates: TemplateService): DocumentPrinter {
  return {
    has: (templateKey) => templates.hasPublished(templateKey),
    async print(templateKey, variables, ctx) {
      const ref = orderRefOf(variables, ctx);
      if (!ref) throw new BpmnError('PRINT_NO_ORDER', `Print task ${ctx.activityId}: no order id in the variables (orderId, order.id) or business key`);
      try {
        const job = await print.printForFlow(templateKey, ref, { instanceId: ctx.instanceId, activityId: ctx.activityId, idempotencyKey: ctx.idempotencyKey });
        return { printJobId: job.id, pages: job.pages };
      } catch (err) {
        if (err instanceof NotFoundError) throw new BpmnError('PRINT_NOT_FOUND', err.message);
        if (err instanceof UnprocessableError && !(err instanceof RenderTimeoutError)) throw new BpmnError('PRINT_FAILED', err.message);
        throw err;
      }
    },
  };
}
