import { z } from 'zod';
import { RULE_SET_KEY, ruleSetDocumentSchema } from '../../../workflows/model/rule-set';
import { ruleSetDetailSchema, ruleSetListSchema, ruleSetSavedSchema, ruleSetVersionSchema, ruleValidationSchema } from '../../http/openapi-schemas';
import { defineRoute, type AnyRoute } from '../../http/route';
import type { RulesService } from './rules.service';

const keyParams = z.strictObject({ key: z.string().regex(RULE_SET_KEY, 'must be a rule-set key') });
const versionParams = keyParams.extend({ version: z.coerce.number().int().min(1).max(999999) });
const order = z.record(z.string(), z.unknown());
const facts = z.record(z.string(), z.unknown()).optional();

export function ruleRoutes(deps: { rules: RulesService }): AnyRoute[] {
  const { rules } = deps;
  return [
    defineRoute({ method: 'get', path: '/api/rules/catalog', tag: 'rules', summary: 'Facts (typed) and operators for the rule builder', access: { permission: 'rules.read' }, handler: () => rules.catalog() }),
    defineRoute({
      method: 'get',
      path: '/api/rules/sample-orders',
      tag: 'rules',
      summary: 'Recent stored orders to test rules with',
      access: { permission: 'rules.edit' },
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      handler: ({ query }) => rules.sampleOrders(query.limit),
    }),
    defineRoute({ method: 'get', path: '/api/rule-sets', tag: 'rules', summary: 'List rule sets with their latest version and draft state', access: { permission: 'rules.read' }, response: ruleSetListSchema, handler: () => rules.list() }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets',
      tag: 'rules',
      summary: 'Create a rule set (as a draft)',
      access: { permission: 'rules.edit' },
      body: ruleSetDocumentSchema,
      status: 201,
      response: ruleSetSavedSchema,
      handler: ({ principal, body }) => rules.create(principal, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/validate',
      tag: 'rules',
      summary: 'Check a rule-set document without saving it (issues with rule and condition paths)',
      access: { permission: 'rules.edit' },
      body: z.unknown(),
      response: ruleValidationSchema,
      handler: ({ body }) => rules.validate(body),
    }),
    defineRoute({ method: 'get', path: '/api/rule-sets/:key', tag: 'rules', summary: 'A rule set: its draft, latest version and version list', access: { permission: 'rules.read' }, params: keyParams, response: ruleSetDetailSchema, handler: ({ params }) => rules.get(params.key) }),
    defineRoute({
      method: 'get',
      path: '/api/rule-sets/:key/versions/:version',
      tag: 'rules',
      summary: 'One published version (immutable)',
      access: { permission: 'rules.read' },
      params: versionParams,
      response: ruleSetVersionSchema,
      handler: ({ params }) => rules.getVersion(params.key, params.version),
    }),
    defineRoute({
      method: 'put',
      path: '/api/rule-sets/:key/draft',
      tag: 'rules',
      summary: 'Save the draft (opens one when only published versions exist); ?rev= guards against lost updates',
      access: { permission: 'rules.edit' },
      params: keyParams,
      query: z.strictObject({ rev: z.coerce.number().int().min(1).optional() }),
      body: ruleSetDocumentSchema,
      response: ruleSetSavedSchema,
      handler: ({ principal, params, query, body }) => rules.saveDraft(principal, params.key, body, query.rev),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/rule-sets/:key/draft',
      tag: 'rules',
      summary: 'Discard the draft',
      access: { permission: 'rules.edit' },
      params: keyParams,
      status: 204,
      handler: ({ principal, params }) => rules.discardDraft(principal, params.key),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/:key/test',
      tag: 'rules',
      summary: 'Run the draft (or an unsaved document) against one order, with the explanation',
      access: { permission: 'rules.edit' },
      params: keyParams,
      body: z.strictObject({ ruleSet: ruleSetDocumentSchema.optional(), order, facts }),
      handler: ({ params, body }) => rules.testDraft(params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/:key/test-cases/run',
      tag: 'rules',
      summary: 'Run every saved test case of the draft (or an unsaved document)',
      access: { permission: 'rules.edit' },
      params: keyParams,
      body: z.strictObject({ ruleSet: ruleSetDocumentSchema.optional() }),
      handler: ({ params, body }) => rules.runTestCases(params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/:key/backtest',
      tag: 'rules',
      summary: 'Evaluate the draft and the latest version on the last N stored orders; list the decisions that would change',
      access: { permission: 'rules.edit' },
      params: keyParams,
      body: z.strictObject({ ruleSet: ruleSetDocumentSchema.optional(), limit: z.int().min(1).max(1000).default(100), facts }),
      handler: ({ params, body }) => rules.backtest(params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/:key/publish',
      tag: 'rules',
      summary: 'Publish the draft as version n+1 (refused with 422 when a test case fails)',
      access: { permission: 'rules.publish' },
      params: keyParams,
      body: z.strictObject({ rev: z.int().min(1).optional(), note: z.string().max(500).optional() }),
      status: 201,
      handler: ({ principal, params, body }) => rules.publish(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rule-sets/:key/evaluate',
      tag: 'rules',
      summary: 'Evaluate the latest (or a given) published version for an order: decision and explanation',
      access: { permission: 'rules.evaluate' },
      params: keyParams,
      body: z.strictObject({ order, facts, version: z.int().min(1).optional(), explain: z.boolean().default(true) }),
      handler: ({ params, body }) => rules.evaluate(params.key, body),
    }),
  ];
}
