/**
 * bpmn-js `translate` service in the user's language: the library's English template is looked up
 * in bpmn.i18n.ts by its English text; templates we do not list stay English (never a missing-key
 * error). `{name}` placeholders are filled after translation, as bpmn-js's own translate does.
 */
import i18next from 'i18next';
import messages from '../bpmn.i18n';

const keyByEnglish = new Map<string, string>(Object.entries(messages.resources.en).map(([key, text]) => [String(text), key]));

export function translate(template: string, replacements: Record<string, string> = {}): string {
  const key = keyByEnglish.get(template);
  const text = key ? i18next.t(`${messages.namespace}:${key}`) : template;
  return text.replace(/{([^}]+)}/g, (whole, name: string) => replacements[name] ?? whole);
}

export const translateModule = { translate: ['value', translate] };
