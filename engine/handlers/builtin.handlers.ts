/**
 * Built-in service handlers that work on the instance alone (no external system). Other modules
 * register theirs with runtime.registerHandler(id, fn); the orders module replaces `order.setStatus`
 * with one that also updates the stored order.
 */
import { ORDER_STATUSES, type OrderStatus } from '../../workflows/model/order';
import { ConnectorError } from '../../connectors/sdk/errors';
import type { ServiceHandler } from '../runtime/deps';

const bad = (message: string) => new ConnectorError(message, { retryable: false });

/** `order.setStatus` { status }: the order status as the flow sees it, in the variable `orderStatus`. */
export const setOrderStatus: ServiceHandler = (input, ctx) => {
  const status = input.status;
  if (typeof status !== 'string' || !(ORDER_STATUSES as readonly string[]).includes(status)) {
    throw bad(`order.setStatus needs a status, one of ${ORDER_STATUSES.join(', ')} (got ${JSON.stringify(status)})`);
  }
  ctx.setVariable('orderStatus', status as OrderStatus);
  ctx.note(`order status ${status}`, { status });
  return { status };
};

/** `history.note` { message, ...details }: a line in the instance history. */
export const historyNote: ServiceHandler = (input, ctx) => {
  const { message, ...details } = input;
  if (typeof message !== 'string' || !message.trim()) throw bad('history.note needs a message');
  ctx.note(message.slice(0, 1000), Object.keys(details).length ? details : undefined);
  return { noted: true };
};

/** `variables.set` { name: value, ... }: sets process variables from its input mapping. */
export const setVariables: ServiceHandler = (input, ctx) => {
  for (const [k, v] of Object.entries(input)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw bad(`variables.set: "${k}" is not a valid variable name`);
    ctx.setVariable(k, v);
  }
  return { set: Object.keys(input) };
};

export const BUILTIN_HANDLERS: Record<string, ServiceHandler> = {
  'order.setStatus': setOrderStatus,
  'history.note': historyNote,
  'variables.set': setVariables,
};
