/**
 * Integration, wired once: encrypted credentials, the connector catalog and the invoker the
 * workflow runtime calls (engine/ports ConnectorInvoker), the reference ERP when no ERP is
 * configured, outbound webhook delivery and inbound webhook verification.
 */
import crypto from 'node:crypto';
import type { RequestListener } from 'node:http';
import path from 'node:path';
import type { Connection } from 'mongoose';
import {
  BUILTIN_CONNECTORS,
  HttpTransport,
  checkRestConnector,
  createConnectorInvoker,
  startReferenceErp,
  type AllowableNetwork,
  type ConnectorCallContext,
  type OrdoConnectorInvoker,
  type RestConnector,
  type RunningReferenceErp,
  type TracedResult,
} from '../../connectors';
import { ValidationError } from '../../workflows/model/errors';
import type { Config } from '../config';
import type { Logger } from '../infra/logger';
import type { AuditService } from '../audit/audit.service';
import { ConnectorService, type BuiltinBinding } from './connectors.service';
import { CredentialService } from './credentials.service';
import { WebhookDeliveryWorker } from './delivery-worker';
import { enqueueEvent, type OrderEvent } from './outbox';
import { withRawBodyCapture } from './raw-body';
import { SecretBox } from './secret-box';
import { WebhookService, type CorrelateMessage } from './webhooks.service';

export { enqueueEvent, type OrderEvent } from './outbox';
export { ORDER_EVENT_TYPES, type OrderEventType } from './webhooks.models';
export type { CorrelateMessage } from './webhooks.service';

/** The credential the built-in (reference) connectors authenticate with. */
export const ERP_CREDENTIAL = 'erp';

export interface IntegrationDeps {
  config: Config;
  connection: Connection;
  logger: Logger;
  audit: AuditService;
}

export interface Integration {
  box: SecretBox;
  credentials: CredentialService;
  connectors: ConnectorService;
  /** the engine's ConnectorInvoker (plus invokeTraced for "test this operation") */
  invoker: OrdoConnectorInvoker;
  webhooks: WebhookService;
  worker: WebhookDeliveryWorker;
  /** where the built-in connectors send their calls */
  erpUrl?: string;
  referenceErp?: RunningReferenceErp;
  transport: HttpTransport;
  enqueueEvent(event: OrderEvent): Promise<{ eventId: string; duplicate: boolean }>;
  /** wire the runtime's message correlation once it exists (inbound webhooks answer 503 until then) */
  setCorrelateMessage(fn: CorrelateMessage | undefined): void;
  testDraft(definition: RestConnector, operation: string, input: Record<string, unknown>, ctx: ConnectorCallContext): Promise<TracedResult | undefined>;
  /** wraps the HTTP listener so signed inbound webhooks keep their raw body */
  wrapHttp(listener: RequestListener): RequestListener;
  close(): Promise<void>;
}

const BYTES = /^(\d+)(kb|mb)$/i;
const bytesOf = (limit: string) => {
  const m = BYTES.exec(limit);
  return m ? Number(m[1]) * (m[2].toLowerCase() === 'mb' ? 1024 * 1024 : 1024) : 1024 * 1024;
};

export async function startIntegration(deps: IntegrationDeps): Promise<Integration> {
  const { config, connection, logger, audit } = deps;
  const log = logger.child({ module: 'integration' });
  const box = new SecretBox(config.secretKey, config.previousSecretKeys);
  const transport = new HttpTransport();
  let correlate: CorrelateMessage | undefined;

  let binding: BuiltinBinding = { settings: { apiKey: `{{secrets.${ERP_CREDENTIAL}}}` }, policy: { allowHosts: [], allowNetworks: [] } };
  const connectors = new ConnectorService(connection, audit, () => binding, log);
  const credentials = new CredentialService(connection, box, audit, () => connectors.secretUsage());

  let referenceErp: RunningReferenceErp | undefined;
  let erpUrl = config.erp.url;
  if (erpUrl) {
    if (config.erp.apiKey) await credentials.ensure(ERP_CREDENTIAL, 'apiKey', { value: config.erp.apiKey }, 'API key of the ERP (from ERP_API_KEY)');
  } else if (config.erp.reference === 'auto') {
    const { value: apiKey } = await credentials.ensure(ERP_CREDENTIAL, 'apiKey', { value: config.erp.apiKey ?? crypto.randomBytes(24).toString('base64url') }, 'API key of the reference ERP');
    referenceErp = await startReferenceErp({ apiKey, port: config.erp.referencePort, dataFile: config.env === 'test' ? undefined : path.join(config.dataDir, 'reference-erp.json') });
    erpUrl = referenceErp.url;
    log.info({ url: erpUrl }, 'reference ERP started');
  }
  if (erpUrl) {
    const networks = new Set<AllowableNetwork>(config.erp.allowNetworks);
    if (referenceErp) networks.add('loopback');
    binding = { settings: { baseUrl: erpUrl, apiKey: `{{secrets.${ERP_CREDENTIAL}}}` }, policy: { allowHosts: [new URL(erpUrl).hostname.replace(/^\[|\]$/g, '')], allowNetworks: [...networks] } };
  }
  await connectors.start();

  const connectorLogger = log.child({ module: 'connectors' });
  const invoker = createConnectorInvoker({ catalog: connectors, secrets: credentials, transport, logger: connectorLogger });
  const webhooks = new WebhookService(connection, box, audit, () => correlate, async (id) => BUILTIN_CONNECTORS.some((c) => c.id === id) || Boolean(await connectors.Connector.exists({ connectorId: id, archived: false })));
  const worker = new WebhookDeliveryWorker({ connection, box, transport, logger: log.child({ module: 'webhooks' }), leaseMs: config.leaseMs });
  if (config.webhooks.worker) worker.start(config.webhooks.pollMs);

  return {
    box,
    credentials,
    connectors,
    invoker,
    webhooks,
    worker,
    erpUrl,
    referenceErp,
    transport,
    enqueueEvent: (event) => enqueueEvent(connection, event),
    setCorrelateMessage(fn) {
      correlate = fn;
    },
    async testDraft(definition, operation, input, ctx) {
      const issues = checkRestConnector(definition);
      if (issues.length) throw new ValidationError('The connector definition is invalid', issues.map((i) => ({ ...i, path: `definition.${i.path}` })));
      const resolved = connectors.resolveDefinition(definition, 0, operation);
      if (!resolved) return undefined;
      const draft = createConnectorInvoker({ catalog: { has: () => true, resolve: async () => resolved }, secrets: credentials, transport, logger: connectorLogger });
      return draft.invokeTraced(`${definition.id}.${operation}`, input, ctx);
    },
    wrapHttp: (listener) => withRawBodyCapture(listener, bytesOf(config.bodyLimit)),
    async close() {
      await worker.stop();
      connectors.stop();
      transport.close();
      await referenceErp?.close();
    },
  };
}
