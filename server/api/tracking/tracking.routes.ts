import { z } from 'zod';
import { NotFoundError } from '../../../workflows/model/errors';
import type { OrderStatus } from '../../../workflows/model/order';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { OrdersModule } from '../../orders';
import { orderNumberParams } from '../orders/orders.routes';

const trackingQuery = z
  .strictObject({
    email: z.string().trim().toLowerCase().max(254).optional(),
    postcode: z.string().trim().max(20).optional(),
  })
  .refine((q) => q.email || q.postcode, { message: 'give the e-mail address or the postcode of the order', path: ['email'] });

export interface PublicTracking {
  number: string;
  status: OrderStatus;
  statusSince: string;
  timeline: Array<{ at: string; status?: OrderStatus; event: 'status' | 'shipped' | 'received' }>;
  eta: { eta: string | null; basis: string };
  shipment?: { carrier?: string; trackingNumber?: string; trackingUrl?: string };
}

const compact = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/** Public tracking: the same 404 for an unknown number and a wrong e-mail/postcode (no oracle). */
export function trackingRoutes(deps: { orders: OrdersModule; perMinute: number }): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/tracking/:number',
      tag: 'tracking',
      summary: 'Public order tracking by number plus the order’s e-mail or postcode: status, timeline and ETA, no internal details',
      access: 'public',
      rateLimit: { bucket: 'tracking', windowMs: 60_000, max: deps.perMinute },
      params: orderNumberParams,
      query: trackingQuery,
      async handler({ params, query }) {
        const notFound = new NotFoundError('Order with this number and e-mail or postcode');
        const doc = await deps.orders.orders.getDoc(params.number).catch(() => undefined);
        if (!doc) throw notFound;
        const emailOk = query.email !== undefined && doc.customer.email !== undefined && doc.customer.email === query.email;
        const postcodeOk = query.postcode !== undefined && compact(doc.shippingAddress.postcode) === compact(query.postcode);
        if (!emailOk && !postcodeOk) throw notFound;
        const eta = await deps.orders.eta.eta(doc);
        const body: PublicTracking = {
          number: doc.number,
          status: doc.status,
          statusSince: new Date(doc.statusSince).toISOString(),
          timeline: doc.events
            .filter((e) => e.public && (e.kind === 'status' || e.kind === 'intake' || e.step === 'ship'))
            .map((e) => ({ at: new Date(e.at).toISOString(), status: e.status, event: e.kind === 'intake' ? 'received' : e.step === 'ship' && e.kind !== 'status' ? 'shipped' : 'status' })),
          eta: { eta: eta.eta, basis: eta.basis },
          shipment: doc.shipment ? { carrier: doc.shipment.carrier, trackingNumber: doc.shipment.trackingNumber, trackingUrl: doc.shipment.trackingUrl } : undefined,
        };
        return body;
      },
    }),
  ];
}
