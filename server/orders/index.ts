/** The orders module, composed once by server/main.ts (and by benches and scripts). */
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from '../infra/logger';
import type { AuditService } from '../audit/audit.service';
import { BucketStore } from './bucket-store';
import { EtaService } from './eta';
import { FlowStarter, RecordingFlowStarter, type FlowStartPort, type FlowStarterOptions } from './flow-starter';
import { orderCollections } from './order.model';
import { OrderNumbers } from './order-number';
import { OrderSearchService } from './order-search';
import { ORDER_EVENT_QUEUE, OrdersService, type FlowControl, type OrderEventQueueDoc, type OrderEventSink } from './orders.service';
import { ReportsService } from './reports.service';
import { rebuildIndex } from './rebuild-index';
import { orderHandlers } from './order.handlers';

export interface OrdersModule {
  orders: OrdersService;
  search: OrderSearchService;
  eta: EtaService;
  reports: ReportsService;
  starter: FlowStarter;
  collections: ReturnType<typeof orderCollections>;
  buckets: BucketStore;
  /** the flow-start port in use (the recording starter until a runtime is wired) */
  setFlowPort(port: FlowStartPort): void;
  setFlowControl(control: FlowControl): void;
  /** outbound order events (wired to the webhook outbox when integration runs) */
  setEventSink(sink: OrderEventSink): void;
  handlers: ReturnType<typeof orderHandlers>;
  rebuildIndex(): Promise<{ orders: number; buckets: number }>;
  close(): Promise<void>;
}

export function createOrdersModule(deps: { connection: Connection; logger: Logger; audit: AuditService; starter?: FlowStarterOptions; startLoop?: boolean }): OrdersModule {
  const collections = orderCollections(deps.connection);
  const buckets = new BucketStore(deps.connection, deps.logger);
  let flowPort: FlowStartPort = new RecordingFlowStarter(deps.connection.collection('flowStarts') as unknown as Collection<{ _id: string; processKey: string; variables: Record<string, unknown>; at: Date }>);
  let flowControl: FlowControl | undefined;
  let eventSink: OrderEventSink | undefined;
  const numbers = new OrderNumbers(collections.counters, `${process.pid}`);
  const accepted: { starter?: FlowStarter } = {};
  const orders = new OrdersService({
    collections,
    buckets,
    numbers,
    audit: deps.audit,
    logger: deps.logger,
    onAccepted: (n) => accepted.starter?.enqueue(n),
    flowControl: () => flowControl,
    events: () => eventSink,
    eventQueue: deps.connection.collection(ORDER_EVENT_QUEUE) as unknown as Collection<OrderEventQueueDoc>,
  });
  const s = new FlowStarter(collections, orders, () => flowPort, deps.logger, deps.starter);
  accepted.starter = s;
  if (deps.startLoop !== false) s.start();
  return {
    orders,
    search: new OrderSearchService(buckets, orders),
    eta: new EtaService(buckets),
    reports: new ReportsService(buckets),
    starter: s,
    collections,
    buckets,
    setFlowPort: (port) => {
      flowPort = port;
    },
    setFlowControl: (control) => {
      flowControl = control;
    },
    setEventSink: (sink) => {
      eventSink = sink;
    },
    handlers: orderHandlers(orders),
    rebuildIndex: () => rebuildIndex(collections.orders, buckets),
    close: async () => {
      await orders.stopDispatching();
      await s.stop();
    },
  };
}

export type { FlowStartPort } from './flow-starter';
export type { FlowControl, OrderEventSink } from './orders.service';
