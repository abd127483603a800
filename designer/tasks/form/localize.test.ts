/**
 * Task forms speak the reader's language: every shipped form carries zh-CN and zh-TW texts for its
 * title and every titled field, and localizeForm lays them over the UI schema (nested objects and
 * order-line columns included) without touching the JSON Schema the validator was compiled from.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TaskFormView } from '../../../workflows/bpmn/views';
import { localizeForm, titledFields } from './localize';

const FORMS_DIR = path.join(__dirname, '..', '..', '..', 'workflows', 'forms');
const shipped: TaskFormView[] = fs
  .readdirSync(FORMS_DIR)
  .filter((f) => f.endsWith('.form.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(FORMS_DIR, f), 'utf8')) as TaskFormView);

describe('task form translations', () => {
  it.each(['zh-CN', 'zh-TW'])('given every shipped form, then %s names its title and every titled field (and every option)', (lang) => {
    expect(shipped.length).toBeGreaterThanOrEqual(4);
    for (const form of shipped) {
      const tr = form.translations?.[lang];
      expect({ form: form.key, title: Boolean(tr?.title) }).toEqual({ form: form.key, title: true });
      const missing = titledFields(form.schema).filter((p) => !tr?.fields?.[p]?.title);
      expect({ form: form.key, missing }).toEqual({ form: form.key, missing: [] });
      const unknown = Object.keys(tr?.fields ?? {}).filter((p) => !titledFields(form.schema).includes(p));
      expect({ form: form.key, unknown }).toEqual({ form: form.key, unknown: [] });
      // a translated option list has as many names as the field has options
      for (const [p, texts] of Object.entries(tr?.fields ?? {})) {
        if (!texts.enumNames) continue;
        const field = p.split('.').reduce<Record<string, unknown>>((node, seg) => ((node.properties ?? (node.items as Record<string, unknown>)?.properties) as Record<string, Record<string, unknown>>)[seg], form.schema);
        expect({ form: form.key, field: p, options: texts.enumNames.length }).toEqual({ form: form.key, field: p, options: (field.enum as unknown[]).length });
      }
    }
  });

  it('lays titles over the UI schema of nested fields and line columns, keeps the schema as it is, and falls back to English', () => {
    const form: TaskFormView = {
      key: 'demo',
      title: 'Enter the order',
      schema: {
        type: 'object',
        properties: {
          customer: { type: 'object', title: 'Customer', properties: { name: { type: 'string', title: 'Name' } } },
          lines: { type: 'array', title: 'Lines', items: { type: 'object', properties: { sku: { type: 'string', title: 'SKU' } } } },
          decision: { type: 'string', title: 'This mail', enum: ['enter', 'reject'] },
        },
      },
      uiSchema: { decision: { 'ui:widget': 'radio', 'ui:enumNames': ['Enter', 'Reject'] } },
      translations: {
        'zh-TW': {
          title: '輸入訂單',
          fields: { 'customer.name': { title: '姓名' }, 'lines.sku': { title: '料號' }, decision: { title: '這封郵件', enumNames: ['輸入', '退回'] }, 'no.such': { title: 'x' } },
        },
      },
    };
    const before = JSON.stringify(form.schema);
    const zh = localizeForm(form, 'zh-TW');
    expect(zh.title).toBe('輸入訂單');
    expect(zh.uiSchema).toEqual({
      customer: { name: { 'ui:title': '姓名' } },
      lines: { items: { sku: { 'ui:title': '料號' } } },
      decision: { 'ui:widget': 'radio', 'ui:enumNames': ['輸入', '退回'], 'ui:title': '這封郵件' },
    });
    expect(JSON.stringify(form.schema)).toBe(before);
    expect(form.uiSchema).toEqual({ decision: { 'ui:widget': 'radio', 'ui:enumNames': ['Enter', 'Reject'] } });
    expect(localizeForm(form, 'en')).toEqual({ title: 'Enter the order', uiSchema: form.uiSchema });
  });
});
