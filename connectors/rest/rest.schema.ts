/**
 * The REST connector builder's contract: what an admin stores without code. One zod schema gives
 * API validation, the JSON Schema the designer's rjsf form is generated from, and the runtime type.
 */
import { z } from 'zod';
import { CONNECTOR_ID, OPERATION_ID, NETWORK_CLASSES, retryPolicySchema } from '../sdk';

const secretRef = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\{\{\s*secrets\.[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64})?\s*\}\}$/, `must be a secret reference such as {{secrets.NAME}}: ${what} is never stored in clear`);

const headerName = z.string().trim().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid HTTP header name');
const nameValue = z.strictObject({ name: z.string().trim().min(1).max(100), value: z.string().max(2000) });
const header = z.strictObject({ name: headerName, value: z.string().max(4000) });

export const restAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('apiKey'), in: z.enum(['header', 'query']).default('header'), name: z.string().trim().min(1).max(100), value: secretRef('an API key') }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1).max(200), password: secretRef('a password') }),
  z.strictObject({ type: z.literal('bearer'), token: secretRef('a bearer token') }),
  z.strictObject({
    type: z.literal('oauth2'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1).max(400),
    clientSecret: secretRef('a client secret'),
    scope: z.string().max(1000).optional(),
    audience: z.string().max(400).optional(),
    /** how the client authenticates at the token endpoint */
    clientAuth: z.enum(['body', 'basic']).default('body'),
  }),
]);
export type RestAuth = z.output<typeof restAuthSchema>;

export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;

export const restInputSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be an identifier (letters, digits, _)'),
  type: z.enum(INPUT_TYPES).default('string'),
  required: z.boolean().default(false),
  description: z.string().max(500).optional(),
  enum: z.array(z.string().max(200)).max(100).optional(),
});

export const errorRuleSchema = z.strictObject({
  /** JSONata over {status, headers, body, input}; the first rule that is true decides */
  when: z.string().min(1).max(2000),
  bpmnErrorCode: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/).optional(),
  retryable: z.boolean().default(false),
  message: z.string().max(500).optional(),
});

export const restOperationSchema = z.strictObject({
  id: z.string().regex(OPERATION_ID, 'must start with a letter and hold only letters and digits'),
  name: z.string().trim().min(1).max(120),
  description: z.string().max(1000).optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  /** appended to the base URL; `{{input.x}}` is replaced (URL-encoded) */
  path: z.string().max(2000).regex(/^\//, 'must start with /'),
  query: z.array(nameValue).max(50).default([]),
  headers: z.array(header).max(50).default([]),
  /** JSON text; a string that is exactly "{{input.x}}" becomes the typed input value */
  body: z.string().max(100_000).optional(),
  inputs: z.array(restInputSchema).max(100).default([]),
  /** JSONata over {status, headers, body, input} → the operation's output (default: the body) */
  responseMapping: z.string().max(10_000).optional(),
  errorMapping: z.array(errorRuleSchema).max(50).default([]),
  /** send the call's idempotency key (stable across retries) in this header */
  idempotencyHeader: headerName.optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  retry: retryPolicySchema.optional(),
});

export const restConnectorSchema = z.strictObject({
  id: z.string().regex(CONNECTOR_ID, 'must be 2–40 lower-case letters, digits or dashes, starting with a letter'),
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  auth: restAuthSchema.default({ type: 'none' }),
  /** hosts the connector may call; the base URL's and token URL's hosts are always included */
  allowHosts: z.array(z.string().trim().toLowerCase().regex(/^(\*\.)?[a-z0-9.-]+$|^\[?[0-9a-f:.]+\]?$/, 'must be a host name, *.domain or an IP address')).max(50).default([]),
  /** loopback / private / link-local targets are refused unless listed here */
  allowNetworks: z.array(z.enum(NETWORK_CLASSES)).max(3).default([]),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  maxResponseBytes: z.number().int().min(1024).max(10 * 1024 * 1024).default(1024 * 1024),
  retry: retryPolicySchema.default({ maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 }),
  headers: z.array(header).max(50).default([]),
  operations: z.array(restOperationSchema).min(1, 'add at least one operation').max(100),
});

export type RestConnectorInput = z.input<typeof restConnectorSchema>;
export type RestConnector = z.output<typeof restConnectorSchema>;
export type RestOperation = z.output<typeof restOperationSchema>;
