/**
 * Composition root: reads the config, starts the embedded database when no MONGODB_URI is given,
 * wires every service and route, listens, and shuts down gracefully.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { Express } from 'express';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './infra/logger';
import { ensureFerretdbBinary, startFerretdb, type EmbeddedDatabase } from './db/ferretdb';
import { connectDatabase } from './db/connection';
import { authModels } from './auth/auth.models';
import { AuthService } from './auth/auth.service';
import { loginDecoy } from './auth/password';
import { AuditService } from './audit/audit.service';
import { createApp } from './app';
import type { AnyRoute } from './http/route';
import { authRoutes } from './api/auth/auth.routes';
import { userRoutes } from './api/users/users.routes';
import { auditRoutes } from './api/audit/audit.routes';
import { settingsRoutes } from './api/settings/settings.routes';
import { SettingsService } from './settings/settings.service';
import { ApprovalService } from './approvals/approval.service';
import { OidcService } from './auth/oidc.service';
import { buildDesigner, DESIGNER_DIST } from './static/designer';
import { RealtimeGateway } from './realtime/realtime.gateway';
import { TaskPublisher } from './realtime/task-publisher';
import { SlaWatch } from './realtime/sla-watch';
import { EscalationWatch, taskEscalationsOf } from './realtime/escalation-watch';
import { InboxService } from './api/inbox/inbox.service';
import { inboxRoutes } from './api/inbox/inbox.routes';
import { TaskFieldsReader } from './api/inbox/task-fields';
import { recordFacts } from './api/tasks/record-facts';
import { RuleSetRuntime, RuleSetStore, createRuleEvaluator } from '../engine/rules';
import { RulesService } from './api/rules/rules.service';
import { ruleRoutes } from './api/rules/rules.routes';
import { createFactSources, storedOrdersReader } from './api/rules/fact-sources';
import { createPrinting } from './printing';
import { templateRoutes } from './api/templates/templates.routes';
import { printRoutes } from './api/print/print.routes';
import { createOrdersModule, type OrdersModule } from './orders';
import { connectOrdersToRuntime } from './orders/flow-runtime';
import { orderRoutes } from './api/orders/orders.routes';
import { trackingRoutes } from './api/tracking/tracking.routes';
import { reportRoutes } from './api/reports/reports.routes';
import { schedulingRoutes } from './api/scheduling/scheduling.routes';
import { SchedulingService } from './scheduling/scheduling.service';
import { CapacityStore } from './scheduling/capacity-store';
import { claimOnce } from './db/claim-once';
import { createIntakeModule, type IntakeModule } from './intake';
import { intakeRoutes } from './api/intake/intake.routes';
import { startMailDataEntry } from './intake/mail-data-entry';
import { StoresService } from './intake/stores.service';
import { storeRoutes } from './api/intake/stores.routes';
import { startIntegration, type Integration, type OrderEventType } from './integration';
import { OrderEventDispatcher } from './integration/order-events';
import { connectorRefs } from './integration/connector-refs';
import { connectorRoutes } from './api/connectors/connectors.routes';
import { credentialRoutes } from './api/credentials/credentials.routes';
import { webhookRoutes } from './api/webhooks/webhooks.routes';
import { openApiRoutes } from './http/openapi';
import { isAppError } from '../workflows/model/errors';
import { EventEmitter } from 'node:events';
import { WorkflowRuntime, FileFormRegistry } from '../engine';
import { workflowRoutes } from './api/workflows/workflows.routes';
import { instanceRoutes } from './api/instances/instances.routes';
import { taskRoutes } from './api/tasks/tasks.routes';
import { messageRoutes } from './api/messages/messages.routes';
import { operationsRoutes } from './api/operations/operations.routes';
import { WatchdogService } from './operations/watchdog.service';

export interface RunningOrdo {
  url: string;
  port: number;
  config: Config;
  connection: Connection;
  logger: Logger;
  realtime: RealtimeGateway;
  app: Express;
  /** every route of this node: the permission matrix and OpenAPI are generated from it */
  routes: readonly AnyRoute[];
  /** orders: intake, flow-derived status, search, reports (tests drive flows through its handlers) */
  orders: OrdersModule;
  /** connectors, credentials, webhooks; integration.invoker is the engine/ports ConnectorInvoker */
  integration: Integration;
  /** the durable workflow runtime (engine/): startInstance, registerHandler, tasks, messages */
  workflows: WorkflowRuntime;
  /** workflow domain events (task.created/claimed/completed/cancelled, instance.changed, incident.*) for the socket layer */
  workflowEvents: EventEmitter;
  /** intake channels beside REST: e-mail (SMTP port when listening), imports, drafts */
  intake: IntakeModule;
  /**
   * The first step of a graceful stop: /readyz answers 503 from now on, the background workers stop
   * claiming, and the work this node holds is handed back at once (engine commands and their
   * instance locks, order flow starts, webhook deliveries, print batches); requests are still served.
   */
  drain(): Promise<void>;
  /** drains, then closes everything */
  close(): Promise<void>;
}

export interface StartOptions {
  /** print to the console (start-up banner, first admin password) */
  announce?: (message: string) => void;
  serveDesigner?: boolean;
  /** where log lines go (default stdout); tests capture them to prove no secret is logged */
  logDestination?: { write(line: string): void };
}

export async function startOrdo(config: Config, options: StartOptions = {}): Promise<RunningOrdo> {
  const announce = options.announce ?? (() => {});
  const logger = createLogger({ level: config.logLevel, destination: options.logDestination });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((err) => logger.error({ err }, 'error during shutdown'));
  };

  try {
    let uri = config.mongodbUri;
    if (!uri) {
      const binary = ensureFerretdbBinary({ explicit: config.ferretdbBin, progress: announce });
      const db: EmbeddedDatabase = await startFerretdb({ dataDir: path.join(config.dataDir, 'db'), binary });
      closers.push(() => db.stop());
      uri = db.uri;
      logger.info({ port: db.port, dataDir: config.dataDir }, 'embedded FerretDB started');
    }
    const connection = await connectDatabase(uri);
    closers.push(() => connection.close());

    const audit = new AuditService(connection);
    // integration: credentials (encrypted), connectors + the ConnectorInvoker for service tasks, reference ERP
    // (when no ERP_URL), outbound webhook worker, inbound webhook verification
    const integration = await startIntegration({ config, connection, logger, audit });
    closers.push(() => integration.close());
    const models = authModels(connection);
    const auth = new AuthService(models, audit, logger, config.sessionTtlMs);
    await auth.ensureInitialAdmin(config.admin, announce);
    await loginDecoy();
    const settings = new SettingsService(connection, audit);
    // four-eyes publishing: deploy / rule publish / template publish call approvals.gatePublish()
    const approvals = new ApprovalService(connection, settings, audit);

    // rules: versioned rule sets; ruleEvaluator is the engine/ports RuleEvaluator for business-rule tasks
    const ruleSets = new RuleSetStore(connection);
    await ruleSets.init();
    const ruleRuntime = new RuleSetRuntime({ sources: createFactSources({ connection, connectors: integration.invoker }), factTimeoutMs: 2000 });
    const ruleEvaluator = createRuleEvaluator({ published: ruleSets, runtime: ruleRuntime });
    const rules = new RulesService({ store: ruleSets, runtime: ruleRuntime, evaluator: ruleEvaluator, audit, approvals, orders: storedOrdersReader(connection), logger });
    await rules.ensureReferenceRuleSets(path.join(__dirname, '..', 'workflows', 'rules'));

    // printing: templates (draft → published versions), warm chromium, print jobs; printing.documentPrinter is the
    // engine/ports DocumentPrinter for print tasks
    const printing = await createPrinting(
      { connection, audit, logger },
      {
        warm: config.env === 'production',
        poolSize: config.print.poolSize,
        recycle: { recyclePageAfter: config.print.recyclePageAfter, recycleBrowserAfter: config.print.recycleBrowserAfter },
        limits: { maxBatch: config.print.batchMax, documentTimeoutMs: config.print.documentTimeoutMs, chunkSize: config.print.chunkSize },
        leaseMs: config.leaseMs,
        publishGate: (key, hash, p, summary) => approvals.gatePublish('template', key, hash, p, summary),
      },
    );
    closers.push(() => printing.close());

    // orders: every intake channel, flow start after acceptance (outbox + starter loop), search, reports
    const orders = createOrdersModule({ connection, logger, audit, starter: { leaseMs: config.leaseMs } });
    closers.push(() => orders.close());
    const intake = await createIntakeModule({
      connection,
      logger,
      audit,
      orders: orders.orders,
      smtp: config.intake.smtpPort === undefined ? undefined : { port: config.intake.smtpPort, host: config.intake.smtpHost },
      leaseMs: config.leaseMs,
    });
    closers.push(() => intake.close());
    // store webhooks: HMAC over the raw body (integration captures it), secrets sealed by the integration's SecretBox
    const stores = new StoresService(connection, integration.box, orders.orders, audit, logger);
    // order events (created, approved, allocated, printed, shipped, cancelled) go to the outbound webhook outbox
    orders.setEventSink((e) => integration.enqueueEvent({ type: e.type as OrderEventType, id: e.id, occurredAt: e.occurredAt, data: e.data }));
    // the events ride in the order update itself; this poller hands over what a crash left behind
    // marks younger than a lease are the writing node's own (see graceMs): only a dead node's are taken over
    const orderEvents = new OrderEventDispatcher({ connection, source: orders.orders, logger: logger.child({ module: 'order-events' }), graceMs: config.leaseMs });
    if (config.webhooks.worker) orderEvents.start(config.webhooks.pollMs);
    closers.push(() => orderEvents.stop());

    // workflows: the durable bpmn-engine runtime on the database; its poller fires timers and retries on any node
    const workflowEvents = new EventEmitter();
    workflowEvents.setMaxListeners(50);
    const workflowForms = new FileFormRegistry(path.join(__dirname, '..', 'workflows', 'forms'));
    const workflows = new WorkflowRuntime({
      connection,
      logger: logger.child({ module: 'workflows' }),
      connectors: integration.invoker,
      rules: ruleEvaluator,
      forms: workflowForms,
      printer: printing.documentPrinter,
      events: workflowEvents,
      leaseMs: config.leaseMs,
    });
    await workflows.start();
    closers.push(() => workflows.stop());
    // orders ↔ flows: accepted orders start order-fulfilment, its handlers derive the order status,
    // signed inbound webhooks (payment received, shipment dispatched) correlate to waiting instances
    const orderHistory = connectOrdersToRuntime(orders, workflows);
    integration.setCorrelateMessage((m) => workflows.correlateMessage({ ...m, actor: { kind: 'system', id: null, label: 'webhook' } }));
    rules.useInstanceHistory((instanceId) => workflows.getHistory(instanceId));
    // the reference order flow, deployed once (safe when several nodes start together)
    await workflows
      .ensureDeployed(fs.readFileSync(path.join(__dirname, '..', 'workflows', 'processes', 'order-fulfilment.bpmn'), 'utf8'))
      .catch((err) => logger.error({ err }, 'the reference process order-fulfilment could not be deployed'));
    // e-mail the intake cannot read: the built-in mail-data-entry flow puts it in the operators' inbox
    await startMailDataEntry({ drafts: intake.drafts, runtime: workflows, logger, xml: fs.readFileSync(path.join(__dirname, '..', 'workflows', 'processes', 'mail-data-entry.bpmn'), 'utf8') }).catch((err) =>
      logger.error({ err }, 'the built-in process mail-data-entry could not be deployed'),
    );
    // the warehouse pick (scan to confirm, bulk complete, an SLA timer that escalates), started per order by the API or a WMS
    await workflows
      .ensureDeployed(fs.readFileSync(path.join(__dirname, '..', 'workflows', 'processes', 'warehouse-pick.bpmn'), 'utf8'))
      .catch((err) => logger.error({ err }, 'the process warehouse-pick could not be deployed'));
    // the operators' inbox: queues with the order fields as columns, comments, scan look-ups, CSP-safe form validators
    const draftOf = (id: string) => intake.drafts.get(id).catch(() => undefined);
    const taskFields = new TaskFieldsReader(orders.collections.orders, async (id) => {
      const d = await draftOf(id);
      return d && { channel: d.channel, from: d.source.from, subject: d.source.subject };
    });
    // record scopes: the channel and warehouse behind a task's or instance's business key (order or mail draft)
    const scopeFacts = recordFacts({ orders: (keys) => taskFields.byKeys(keys), draftChannel: async (id) => (await draftOf(id))?.channel });
    const inbox = new InboxService({ tasks: () => workflows.tasks, forms: workflowForms, fields: taskFields, connection, escalations: (ids) => taskEscalationsOf(connection, ids) });
    await inbox.init();

    const secureCookies = Boolean(config.tls) || config.publicUrl?.startsWith('https:') === true;
    // known once listening (PORT may be 0); routes read it lazily
    let baseUrl = config.publicUrl ?? '';
    const publicUrl = () => baseUrl;
    // the scheduling board: plan buckets of the order index, Ordo's capacity, the rules' stock and production fact sources
    // (the inventory and production connectors are built-ins bound to the ERP: without one they are not configured)
    const capacity = new CapacityStore(connection, audit);
    const schedulingFacts = integration.erpUrl ? createFactSources({ connection, connectors: integration.invoker }) : {};
    const scheduling = new SchedulingService({ buckets: orders.buckets, orders: orders.orders, capacity, facts: schedulingFacts, audit });
    // orders allocated before the board existed: into their plan day once, in the background
    void scheduling
      .backfillPlans(() => claimOnce(connection, 'orders:plan-buckets:v1'))
      .then((n) => n && logger.info({ orders: n }, 'scheduling board: plan buckets backfilled'))
      .catch((err) => logger.error({ err }, 'scheduling board: the plan backfill failed; rebuild the order index'));
    const oidc = config.oidc ? new OidcService(config.oidc, () => `${publicUrl()}/api/auth/oidc/callback`, connection, models, auth, audit, logger) : undefined;
    // the route table: one line per module
    const routes: AnyRoute[] = [
      ...authRoutes({ auth, secureCookies, oidc, publicUrl }),
      ...userRoutes({ auth }),
      ...auditRoutes({ audit, facts: scopeFacts }),
      ...settingsRoutes({ settings, approvals }),
      ...ruleRoutes({ rules }),
      ...templateRoutes({ templates: printing.templates, print: printing.print }),
      ...printRoutes({ print: printing.print }),
      ...orderRoutes({ orders, history: () => orderHistory, email: intake.email, audit }),
      ...trackingRoutes({ orders, perMinute: config.intake.publicPerMinute }),
      ...reportRoutes({ orders }),
      ...schedulingRoutes({ scheduling, capacity }),
      ...connectorRoutes({ connectors: integration.connectors, invoker: integration.invoker, testDraft: integration.testDraft }),
      ...credentialRoutes({ credentials: integration.credentials }),
      ...webhookRoutes({ webhooks: integration.webhooks }),
      ...openApiRoutes({ routes: () => routes }),
      ...intakeRoutes({ orders, intake, publicPerMinute: config.intake.publicPerMinute, importMaxBytes: config.intake.importMaxBytes }),
      ...storeRoutes({ stores }),
      // connector operations the modeler offers: built-ins by name, stored REST connectors pinned to a version and as latest
      ...workflowRoutes({ runtime: workflows, audit, approvals, catalogExtras: async () => ({ ruleSets: (await ruleSets.list()).map((r) => r.key), connectors: connectorRefs(await integration.connectors.list()) }) }),
      ...instanceRoutes({ runtime: workflows, audit, facts: scopeFacts }),
      ...taskRoutes({ runtime: workflows, audit, facts: scopeFacts, users: auth }),
      ...inboxRoutes({ inbox, audit, facts: scopeFacts }),
      ...messageRoutes({ runtime: workflows, facts: scopeFacts }),
      ...operationsRoutes({ watchdog: new WatchdogService(connection, config.stuckAfterMinutes) }),
    ];

    let designerDist: string | undefined;
    if (options.serveDesigner !== false) {
      if (config.designerAutobuild) buildDesigner({ onlyIfStale: true, log: announce });
      designerDist = fs.existsSync(path.join(DESIGNER_DIST, 'index.html')) ? DESIGNER_DIST : undefined;
    }

    let stopping = false;
    const app = createApp({ config, logger, connection, auth, routes, designerDist, stopping: () => stopping });
    const server = config.tls
      ? https.createServer({ cert: fs.readFileSync(config.tls.cert), key: fs.readFileSync(config.tls.key) }, integration.wrapHttp(app))
      : http.createServer(integration.wrapHttp(app));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const realtime = new RealtimeGateway({ auth, logger, redisUrl: config.redisUrl, publicUrl: config.publicUrl, sharedJob: (p, id) => printing.print.jobWatchable(p, id) });
    await realtime.attach(server);
    printing.print.setEventSink({ progress: (e) => realtime.publishProgress(e) });
    // live task queues: the runtime's task events go to the sockets of the rooms that may see them; SLA warnings once per level
    const taskPublisher = new TaskPublisher({ realtime, fields: (key) => taskFields.of(key), noInput: (formKey) => inbox.noInput(formKey), logger });
    taskPublisher.listen(workflowEvents);
    // boundary timers on user tasks: escalated tasks are flagged and announced (task.sla 'escalated') after their task events
    new EscalationWatch(connection, { runtime: workflows, realtime, beforePublish: () => taskPublisher.idle(), facts: scopeFacts, logger }).listen(workflowEvents);
    inbox.setProgressSink((e, owner) => realtime.publishProgress(e, owner));
    // an admin ending a user's sessions (disable, role or record scope change) drops their live sockets too
    auth.onSessionsEnded((userId) => realtime.disconnectUser(userId));
    const slaWatch = new SlaWatch(connection, { realtime, logger, facts: scopeFacts });
    slaWatch.start();
    closers.push(() => slaWatch.stop());
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        }),
    );

    const sessionSweep = setInterval(() => void auth.purgeExpiredSessions().catch(() => undefined), 15 * 60_000);
    sessionSweep.unref();
    closers.push(async () => clearInterval(sessionSweep));

    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = config.publicUrl ?? `${config.tls ? 'https' : 'http'}://${shownHost}:${port}`;
    baseUrl = url;
    // socket.io closes first: it ends its connections, then the HTTP server stops
    closers.push(() => realtime.close());
    let drained: Promise<void> | undefined;
    const drain = () =>
      (drained ??= (async () => {
        stopping = true;
        const handBack = [workflows.handBack(), orders.close(), integration.worker.stop(), printing.print.close(), intake.imports.handBack()];
        await Promise.all(handBack.map((p) => p.catch((err) => logger.error({ err }, 'error while handing work back'))));
      })());
    const close = async () => {
      await drain();
      await closeAll();
    };
    return { url, port, config, connection, logger, realtime, app, routes, orders, intake, integration, workflows, workflowEvents, drain, close };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function main(): Promise<void> {
  const say = (m: string) => process.stdout.write(`${m}\n`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`Ordo cannot start: ${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  let ordo: RunningOrdo;
  try {
    ordo = await startOrdo(config, { announce: say });
  } catch (err) {
    process.stderr.write(`Ordo cannot start: ${isAppError(err) ? err.message : (err as Error).stack}\n`);
    process.exit(1);
  }
  say(`\nOrdo is running at ${ordo.url}  (Ctrl+C to stop)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    ordo.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownDrainMs + 10_000);
    force.unref();
    // not ready and nothing held at once; requests are served while the load balancer notices, then close
    void ordo
      .drain()
      .then(() => new Promise((r) => setTimeout(r, config.shutdownDrainMs)))
      .then(() => ordo.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) void main();
