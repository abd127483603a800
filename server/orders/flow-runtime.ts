/**
 * Connects the orders module to the workflow runtime (engine/): the flow-start port, the built-in
 * order handlers, operator actions as messages to the running instance, and the instance history
 * for the order timeline.
 */
import type { WorkflowRuntime } from '../../engine';
import type { OrderEvent, OrderView } from '../../workflows/model/order';
import type { FlowHistorySource } from '../api/orders/orders.routes';
import type { OrdersModule } from './index';

export const ORDER_PROCESS_KEY = 'order-fulfilment';
const INTAKE_ACTOR = { kind: 'system' as const, id: null, label: 'intake' };

/** The id of an order's flow instance: derived from the order number, so two starts of one order meet at one document. */
export const orderInstanceId = (number: string): string => `order:${number}`;

/** Variables the order flow starts with: the order id and the order as rules and templates see it. */
export function flowVariables(order: OrderView): Record<string, unknown> {
  const { review: _r, flow: _f, version: _v, ...facts } = order;
  return { orderId: order.number, order: facts };
}

/** History entries worth showing on the order timeline: a business-rule task's decision comes with its explanation. */
const SHOWN = /^(decision$|activity\.(start|end)|task\.|rule\.|print\.|message\.|instance\.|incident\.|note)/;

interface DecisionEntry {
  ruleSet?: { key: string; version: number };
  outcome?: { decision?: unknown };
}

function messageOf(type: string, elementId: string | null | undefined, data: unknown): string {
  const at = elementId ? ` ${elementId}` : '';
  if (type !== 'decision') return `${type}${at}`;
  const d = (data ?? {}) as DecisionEntry;
  return `decision${at}: ${String(d.outcome?.decision ?? '?')}${d.ruleSet ? ` (${d.ruleSet.key} version ${d.ruleSet.version})` : ''}`;
}

export function connectOrdersToRuntime(mod: OrdersModule, runtime: WorkflowRuntime, processKey = ORDER_PROCESS_KEY): FlowHistorySource {
  for (const [id, fn] of Object.entries(mod.handlers)) {
    runtime.registerHandler(id, (input, ctx) => fn(input, { businessKey: ctx.businessKey, activityId: ctx.activityId, instanceId: ctx.instanceId }));
  }
  mod.setFlowPort({
    async startFlow(order, attempt) {
      // one instance id per order: a start whose instance exists returns it (an exact _id lookup, then the
      // insert of that _id is the claim), however many attempts and nodes a crash left behind
      if (attempt > 1) {
        // flows started before instance ids were derived from the order number have random ids: a retry
        // looks for one by business key (a scan of every instance on FerretDB, hence only on a retry: a
        // claim after a start that may have saved its instance is attempt > 1, see FlowStarter.process;
        // the same attempt is claimed again only after a hand-back, whose start saved nothing)
        const earlier = await runtime.listInstances({ processKey, businessKey: order.number, limit: 1 });
        if (earlier.items[0]) return { instanceId: earlier.items[0].id };
      }
      const inst = await runtime.startInstance({ id: orderInstanceId(order.number), processKey, businessKey: order.number, variables: flowVariables(order), actor: INTAKE_ACTOR });
      return { instanceId: inst.id };
    },
  });
  mod.setFlowControl({
    async request(order, action, data) {
      const instanceId = order.flow.instanceId;
      if (!instanceId || order.flow.status !== 'started') return false;
      const actor = { kind: 'user' as const, id: null, label: data.actor };
      try {
        await runtime.correlateMessage({ name: `order.${action}`, instanceId, variables: { reason: data.reason ?? null, requestedBy: data.actor }, actor });
        return true;
      } catch {
        // the flow does not wait for this message here: the order service applies the action,
        // and a cancelled order's instance is cancelled with it
        if (action === 'cancel') await runtime.cancelInstance(instanceId, actor, data.reason ?? 'order cancelled').catch(() => undefined);
        return false;
      }
    },
  });
  return {
    async history(order: OrderView): Promise<OrderEvent[]> {
      if (!order.flow.instanceId || order.flow.status !== 'started') return [];
      const entries = await runtime.getHistory(order.flow.instanceId);
      return entries
        .filter((e) => SHOWN.test(e.type))
        .map((e) => ({
          at: e.at,
          kind: 'flow' as const,
          step: e.elementId ?? undefined,
          message: messageOf(e.type, e.elementId, e.data),
          actor: e.actor?.label,
          detail: e.data ?? undefined,
          public: false,
        }));
    },
  };
}
