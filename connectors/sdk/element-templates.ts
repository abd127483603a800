/**
 * Camunda 7 element templates generated from each operation's zod input schema: the modeler
 * offers every connector operation as a service-task template, with one input parameter per
 * top-level input field and an output mapping. Template id + version follow the connector, so a
 * new connector version is an upgrade the modeler can apply while keeping the user's values.
 */
import { z, type ZodType } from 'zod';
import type { ConnectorDefinition } from './define';

export const ELEMENT_TEMPLATE_SCHEMA = 'https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  title?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  [k: string]: unknown;
};

export interface TemplateProperty {
  label?: string;
  description?: string;
  type: 'String' | 'Text' | 'Boolean' | 'Dropdown' | 'Hidden';
  value?: string | boolean;
  choices?: Array<{ name: string; value: string }>;
  editable?: boolean;
  binding: { type: 'property'; name: string } | { type: 'camunda:inputParameter'; name: string } | { type: 'camunda:outputParameter'; source: string };
  constraints?: { notEmpty?: boolean; pattern?: { value: string; message: string } };
}

export interface ElementTemplate {
  $schema: string;
  id: string;
  name: string;
  description?: string;
  version: number;
  appliesTo: string[];
  properties: TemplateProperty[];
  scopes: Array<{ type: 'camunda:Connector'; properties: TemplateProperty[] }>;
}

/** JSON Schema (2020-12, as the caller must send it) of a zod schema. */
export function inputJsonSchema(schema: ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

export function outputJsonSchema(schema: ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
}

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type) ?? s.anyOf?.map(typeOf).find(Boolean);

/** Scalar inputs other than text: the literal, or an expression the engine evaluates at run time. */
const PATTERNS: Record<string, { value: string; message: string }> = {
  integer: { value: '^\\s*(-?\\d+|\\$\\{.+\\})\\s*$', message: 'a whole number or an expression ${…}' },
  number: { value: '^\\s*(-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?|\\$\\{.+\\})\\s*$', message: 'a number or an expression ${…}' },
  boolean: { value: '^\\s*(true|false|\\$\\{.+\\})\\s*$', message: 'true, false or an expression ${…}' },
};

function inputProperty(name: string, schema: JsonSchema, required: boolean): TemplateProperty {
  const kind = typeOf(schema);
  const label = schema.title ?? name;
  const pattern = kind ? PATTERNS[kind] : undefined;
  const constraints = { ...(required ? { notEmpty: true } : {}), ...(pattern ? { pattern } : {}) };
  const base = { label, description: schema.description, binding: { type: 'camunda:inputParameter' as const, name }, ...(Object.keys(constraints).length ? { constraints } : {}) };
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) {
    return { ...base, type: 'Dropdown', choices: (schema.enum as string[]).map((v) => ({ name: v, value: v })), value: typeof schema.default === 'string' ? schema.default : (schema.enum[0] as string) };
  }
  if (kind === 'object' || kind === 'array') {
    // structured inputs are written as an expression (e.g. ${order.lines}) or JSON
    return { ...base, type: 'Text', description: [schema.description, `JSON ${kind} or an expression such as \${variables.order.lines}`].filter(Boolean).join(' — ') };
  }
  const value = schema.default === undefined ? undefined : String(schema.default);
  return { ...base, type: 'String', ...(value !== undefined ? { value } : {}) };
}

/** Where the connector call's result lands: the output mapping reads it as `${result}`. */
export const RESULT_EXPRESSION = '${result}';

export function elementTemplatesFor(connector: ConnectorDefinition, options: { pinVersion?: boolean } = {}): ElementTemplate[] {
  return Object.entries(connector.operations).map(([opId, op]) => {
    const schema = inputJsonSchema(op.input);
    const required = new Set(schema.required ?? []);
    const ref = options.pinVersion ? `${connector.id}@${connector.version}.${opId}` : `${connector.id}.${opId}`;
    return {
      $schema: ELEMENT_TEMPLATE_SCHEMA,
      id: `ordo.connector.${connector.id}.${opId}`,
      name: `${connector.name}: ${op.name}`,
      description: op.description,
      version: connector.version,
      appliesTo: ['bpmn:ServiceTask', 'bpmn:SendTask'],
      properties: [],
      scopes: [
        {
          type: 'camunda:Connector',
          properties: [
            { type: 'Hidden', value: ref, binding: { type: 'property', name: 'connectorId' } },
            ...Object.entries(schema.properties ?? {}).map(([name, s]) => inputProperty(name, s, required.has(name))),
            {
              label: 'Result variable',
              description: 'Process variable that receives the operation’s output',
              type: 'String',
              value: `${opId}Result`,
              binding: { type: 'camunda:outputParameter', source: RESULT_EXPRESSION },
              constraints: { notEmpty: true },
            },
          ],
        },
      ],
    };
  });
}
