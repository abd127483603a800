/**
 * Turns a stored REST connector definition into a connector the invoker runs like any code
 * connector: inputs (declared as a list) become a zod schema, so validation, rjsf forms and
 * element templates come from one place; the definition travels as the connector's settings, so
 * every `{{secrets.…}}` in it is resolved and masked by the invoker.
 */
import jsonata from 'jsonata';
import { z, type ZodType } from 'zod';
import type { FieldIssue } from '../../workflows/model/errors';
import { BpmnError, ConnectorError, isRetryableStatus, parseRetryAfter, type ConnectorContext, type ConnectorDefinition, type EgressPolicy, type OperationDefinition, type SendOptions, urlRefusal } from '../sdk';
import type { OAuthTokenCache } from './oauth2';
import { referencedInputs, renderJson, renderString, renderValue, type TemplateScope } from './template';
import type { RestConnector, RestOperation } from './rest.schema';

export const JSONATA_TIMEOUT_MS = 1000;
const JSONATA_STACK = 300;

/**
 * A structured input, or its JSON text: a diagram's input parameter is text, so a service task can
 * write `[{"sku": "${variables.sku}", "quantity": 2}]` (the element template says so).
 */
function orJsonText<T extends ZodType>(schema: T): ZodType {
  const parsed = z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  });
  return z.union([schema, parsed.pipe(schema)]);
}

function inputSchemaOf(op: RestOperation): ZodType {
  const shape: Record<string, ZodType> = {};
  for (const field of op.inputs) {
    let s: ZodType;
    switch (field.type) {
      case 'number':
        s = z.coerce.number();
        break;
      case 'integer':
        s = z.coerce.number().int();
        break;
      case 'boolean':
        s = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
        break;
      case 'object':
        s = orJsonText(z.record(z.string(), z.unknown()));
        break;
      case 'array':
        s = orJsonText(z.array(z.unknown()));
        break;
      default:
        s = field.enum?.length ? z.enum(field.enum as [string, ...string[]]) : z.string();
    }
    if (field.description) s = s.describe(field.description);
    shape[field.name] = field.required ? s : s.optional();
  }
  return z.object(shape);
}

/** Compiles and runs a JSONata expression with a time and depth bound. */
export async function evaluateJsonata(expression: string, data: unknown, what: string): Promise<unknown> {
  let expr: jsonata.Expression;
  try {
    expr = jsonata(expression, { timeout: JSONATA_TIMEOUT_MS, stack: JSONATA_STACK });
  } catch (err) {
    throw new ConnectorError(`The ${what} does not compile: ${(err as Error).message}`, { retryable: false });
  }
  try {
    return await expr.evaluate(data);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'D1012') throw new ConnectorError(`The ${what} ran longer than ${JSONATA_TIMEOUT_MS} ms`, { retryable: false });
    if (e.code === 'D1011') throw new ConnectorError(`The ${what} recursed too deeply`, { retryable: false });
    throw new ConnectorError(`The ${what} failed: ${e.message ?? String(err)}`, { retryable: false });
  }
}

/** The hosts and networks a definition may reach: its allow-list plus its own base and token URL hosts. */
export function egressPolicyOf(def: RestConnector): EgressPolicy {
  const hosts = new Set(def.allowHosts);
  hosts.add(new URL(def.baseUrl).hostname.replace(/^\[|\]$/g, ''));
  if (def.auth.type === 'oauth2') hosts.add(new URL(def.auth.tokenUrl).hostname.replace(/^\[|\]$/g, ''));
  return { allowHosts: [...hosts], allowNetworks: def.allowNetworks };
}

export function httpDefaultsOf(def: RestConnector): SendOptions {
  return { timeoutMs: def.timeoutMs, maxResponseBytes: def.maxResponseBytes, retry: def.retry };
}

/**
 * Checks a definition beyond its schema: unique operation ids, compiling JSONata, JSON body
 * templates, inputs referenced but not declared, and targets the egress policy refuses.
 */
export function checkRestConnector(def: RestConnector): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  const policy = egressPolicyOf(def);
  for (const [label, url] of [['baseUrl', def.baseUrl], ...(def.auth.type === 'oauth2' ? [['auth.tokenUrl', def.auth.tokenUrl]] : [])] as Array<[string, string]>) {
    const refusal = urlRefusal(new URL(url), policy);
    if (refusal) issues.push({ path: label, message: refusal });
  }
  def.operations.forEach((op, i) => {
    const at = `operations.${i}`;
    if (seen.has(op.id)) issues.push({ path: `${at}.id`, message: `operation id "${op.id}" is used twice` });
    seen.add(op.id);
    const names = new Set(op.inputs.map((f) => f.name));
    if (names.size !== op.inputs.length) issues.push({ path: `${at}.inputs`, message: 'input names must be unique' });
    const texts = [op.path, op.body ?? '', ...op.query.map((q) => q.value), ...op.headers.map((h) => h.value)];
    for (const name of new Set(texts.flatMap(referencedInputs))) {
      if (!names.has(name)) issues.push({ path: `${at}.inputs`, message: `{{input.${name}}} is used but no input "${name}" is declared` });
    }
    if (op.body !== undefined) {
      try {
        JSON.parse(op.body);
      } catch (err) {
        issues.push({ path: `${at}.body`, message: `must be JSON (write placeholders as strings, e.g. "{{input.qty}}"): ${(err as Error).message}` });
      }
      if (op.method === 'GET' || op.method === 'DELETE') issues.push({ path: `${at}.body`, message: `${op.method} requests carry no body` });
    }
    const compile = (expr: string, path: string) => {
      try {
        jsonata(expr);
      } catch (err) {
        const e = err as { message?: string; position?: number };
        issues.push({ path, message: `JSONata does not compile: ${e.message}${e.position !== undefined ? ` (at ${e.position})` : ''}` });
      }
    };
    if (op.responseMapping) compile(op.responseMapping, `${at}.responseMapping`);
    op.errorMapping.forEach((rule, j) => compile(rule.when, `${at}.errorMapping.${j}.when`));
  });
  return issues;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (/json/i.test(contentType ?? '') || /^[[{"]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

async function execute(ctx: ConnectorContext, op: RestOperation, tokens: OAuthTokenCache, input: Record<string, unknown>): Promise<unknown> {
  const def = ctx.settings as unknown as RestConnector;
  const live = def.operations.find((o) => o.id === op.id) ?? op; // the copy with secrets resolved
  const scope: TemplateScope = { input, call: { ...ctx.call } };
  const base = def.baseUrl.replace(/\/+$/, '');
  const url = new URL(base + renderString(live.path, scope, encodeURIComponent));
  for (const q of live.query) {
    const v = renderValue(q.value, scope);
    if (v === undefined || v === null || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(q.name, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const h of [...def.headers, ...live.headers]) headers[h.name.toLowerCase()] = renderString(h.value, scope);
  const body = live.body === undefined ? undefined : JSON.stringify(renderJson(JSON.parse(live.body), scope));
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (live.idempotencyHeader) headers[live.idempotencyHeader.toLowerCase()] = ctx.call.idempotencyKey;

  const auth = def.auth;
  const timeoutMs = live.timeoutMs ?? def.timeoutMs;
  const applyAuth = async () => {
    switch (auth.type) {
      case 'apiKey':
        if (auth.in === 'header') headers[auth.name.toLowerCase()] = auth.value;
        else url.searchParams.set(auth.name, auth.value);
        ctx.addSecret(encodeURIComponent(auth.value));
        break;
      case 'basic': {
        const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
        ctx.addSecret(basic);
        headers.authorization = `Basic ${basic}`;
        break;
      }
      case 'bearer':
        headers.authorization = `Bearer ${auth.token}`;
        break;
      case 'oauth2':
        headers.authorization = `Bearer ${await tokens.token(ctx, auth, timeoutMs)}`;
        break;
      default:
        break;
    }
  };
  await applyAuth();
  const send = () => ctx.http.send({ method: live.method, url: url.toString(), headers, body }, { timeoutMs, retry: live.retry ?? def.retry, maxResponseBytes: def.maxResponseBytes });
  let res = await send();
  if (res.status === 401 && auth.type === 'oauth2') {
    // the token was revoked or expired early: fetch a new one once
    tokens.invalidate(auth);
    await applyAuth();
    res = await send();
  }

  const env = { status: res.status, headers: res.headers, body: parseBody(res.text(), res.headers['content-type']), input };
  for (const [j, rule] of live.errorMapping.entries()) {
    if (!(await evaluateJsonata(rule.when, env, `error mapping rule ${j + 1} of ${op.id}`))) continue;
    const message = rule.message ?? `${op.id} answered ${res.status} (error mapping rule ${j + 1})`;
    if (rule.bpmnErrorCode) throw new BpmnError(rule.bpmnErrorCode, message);
    throw new ConnectorError(message, { retryable: rule.retryable, details: { status: res.status } });
  }
  if (res.status < 200 || res.status >= 300) {
    const snippet = res.text().slice(0, 300);
    const message = `${live.method} ${url.pathname} answered ${res.status}${snippet ? `: ${snippet}` : ''}`;
    throw new ConnectorError(message, { retryable: isRetryableStatus(res.status), retryAfterMs: parseRetryAfter(res.headers['retry-after']), details: { status: res.status } });
  }
  const output = live.responseMapping ? await evaluateJsonata(live.responseMapping, env, `response mapping of ${op.id}`) : env.body;
  return output ?? null;
}

/** A stored definition (at one version) as a runnable connector. */
export function restConnectorFrom(def: RestConnector, version: number, tokens: OAuthTokenCache): ConnectorDefinition {
  const operations: Record<string, OperationDefinition> = {};
  for (const op of def.operations) {
    operations[op.id] = {
      name: op.name,
      description: op.description,
      input: inputSchemaOf(op),
      output: z.unknown(),
      execute: (ctx, input) => execute(ctx, op, tokens, input as Record<string, unknown>),
    };
  }
  return { id: def.id, version, name: def.name, description: def.description, operations };
}
