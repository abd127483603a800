/** GET /api/orders/:number as the task page reads it (the order, its ETA and timeline). */
import type { OrderEta, OrderEvent, OrderView } from '../../workflows/model/order';

export type OrderDetailDto = OrderView & { eta: OrderEta; timeline: OrderEvent[] };
