/**
 * Properties-panel provider for the Ordo dialect (workflows/bpmn/dialect.ts): the handler of a
 * service or send task (camunda:connector connectorId), print template, rule set, the user-task
 * fields (form, candidate groups, due in, priority) and retries. Runs after the Camunda 7 provider
 * and hides its groups that Ordo refuses at deploy (listeners, scripts, Java classes, async jobs),
 * so the panel offers only what runs. Entries are preact components of @bpmn-io/properties-panel.
 */
import i18next from 'i18next';
import { h } from '@bpmn-io/properties-panel/preact';
import {
  isNumberFieldEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
  NumberFieldEntry,
  SelectEntry,
  TextFieldEntry,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { isIsoDate, isIsoDuration, MAX_RETRIES } from '../../../workflows/bpmn/dialect';
import { hasExpression } from '../../../workflows/bpmn/expressions';
import type { CatalogService } from './catalog';

/* moddle and diagram-js objects are untyped here */
type Element = any;
type Group = { id: string; label: string; entries: Array<Record<string, unknown>> };

const t = (key: string, options?: Record<string, unknown>) => i18next.t(`workflows:props.${key}`, options ?? {});
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Camunda 7 groups for features the Ordo runtime does not run (refused at deploy). */
const HIDDEN_GROUPS = new Set([
  'CamundaPlatform__ExecutionListener',
  'CamundaPlatform__TaskListener',
  'CamundaPlatform__AsynchronousContinuations',
  'CamundaPlatform__JobExecution',
  'CamundaPlatform__ExternalTask',
  'CamundaPlatform__HistoryCleanup',
  'CamundaPlatform__FieldInjection',
  'CamundaPlatform__Script',
  'CamundaPlatform__CandidateStarter',
  'CamundaPlatform__Tasklist',
  'CamundaPlatform__FormData',
]);

function attr(element: Element, name: string): string {
  const bo = getBusinessObject(element);
  const v = bo.get(name) ?? bo.$attrs?.[name];
  return v === undefined || v === null ? '' : String(v);
}

function connectorOf(element: Element): any {
  const ext = getBusinessObject(element).get('extensionElements');
  return ext?.get('values').find((v: any) => is(v, 'camunda:Connector'));
}

/** Whether the element carries a Camunda implementation Ordo refuses (so the user can see and remove it). */
function hasForeignImplementation(element: Element): boolean {
  const bo = getBusinessObject(element);
  return ['camunda:class', 'camunda:expression', 'camunda:delegateExpression', 'camunda:decisionRef'].some((a) => bo.get(a)) || bo.get('camunda:type') === 'external';
}

function useUpdate(element: Element) {
  const modeling = useService('modeling');
  return (name: string, value: unknown) => modeling.updateProperties(element, { [name]: value === '' ? undefined : value });
}

/** A select when the server gave the list, a text field otherwise (the deploy still checks it). */
function PickEntry(props: { element: Element; id: string; label: string; attribute: string; list: 'ruleSets' | 'forms' | 'templates' | 'processes'; description?: string }) {
  const { element, id, label, attribute, list, description } = props;
  const catalog = useService('ordoCatalog') as CatalogService;
  const debounce = useService('debounceInput');
  const update = useUpdate(element);
  const c = catalog.get();
  const getValue = () => attr(element, attribute);
  const setValue = (v: string | undefined) => update(attribute, v ?? '');
  if (!c.known[list]) return h(TextFieldEntry, { element, id, label, description, getValue, setValue, debounce });
  const getOptions = () => {
    const current = getValue();
    const values = c[list] as string[];
    return [
      { value: '', label: t('none') },
      ...values.map((v) => ({ value: v, label: v })),
      ...(current && !values.includes(current) ? [{ value: current, label: t('unknownValue', { value: current }) }] : []),
    ];
  };
  return h(SelectEntry, { element, id, label, description, getValue, setValue, getOptions });
}

function HandlerEntry(props: { element: Element; id: string }) {
  const { element, id } = props;
  const catalog = useService('ordoCatalog') as CatalogService;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const c = catalog.get();
  const getValue = () => String(connectorOf(element)?.get('connectorId') ?? '');
  const setValue = (raw: string | undefined) => {
    const value = (raw ?? '').trim();
    const bo = getBusinessObject(element);
    const commands: unknown[] = [];
    let ext = bo.get('extensionElements');
    if (!ext) {
      if (!value) return;
      ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
    }
    const connector = connectorOf(element);
    const values = ext.get('values');
    if (!value) {
      if (connector) commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values: values.filter((v: unknown) => v !== connector) } } });
    } else if (connector) {
      commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: connector, properties: { connectorId: value } } });
    } else {
      const created = bpmnFactory.create('camunda:Connector', { connectorId: value });
      created.$parent = ext;
      commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: ext, properties: { values: [...values, created] } } });
    }
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
  };
  const current = getValue();
  const chosen = c.handlers.find((x) => x.id === current);
  const description = chosen?.inputs.length ? t('handlerInputs', { inputs: chosen.inputs.join(', ') }) : t('handlerHint');
  if (!c.known.handlers) return h(TextFieldEntry, { element, id, label: t('handler'), description, getValue, setValue, debounce });
  const getOptions = () => [
    { value: '', label: t('none') },
    ...c.handlers.map((x) => ({ value: x.id, label: x.label === x.id ? x.id : `${x.label} (${x.id})` })),
    ...(current && !chosen ? [{ value: current, label: t('unknownValue', { value: current }) }] : []),
  ];
  return h(SelectEntry, { element, id, label: t('handler'), description, getValue, setValue, getOptions });
}

function TextEntry(props: { element: Element; id: string; label: string; attribute: string; description?: string; check?: (v: string) => string | null }) {
  const { element, id, label, attribute, description, check } = props;
  const debounce = useService('debounceInput');
  const update = useUpdate(element);
  return h(TextFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    getValue: () => attr(element, attribute),
    setValue: (v: string | undefined) => update(attribute, (v ?? '').trim()),
    validate: check ? (v: string | undefined) => (v ? check(v.trim()) : null) : undefined,
  });
}

function NumberEntry(props: { element: Element; id: string; label: string; attribute: string; min: number; max: number; description?: string; asString?: boolean }) {
  const { element, id, label, attribute, min, max, description, asString } = props;
  const debounce = useService('debounceInput');
  const update = useUpdate(element);
  return h(NumberFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    min,
    max,
    step: 1,
    getValue: () => {
      const v = attr(element, attribute);
      return v === '' ? '' : Number(v);
    },
    setValue: (v: number | string) => {
      const n = typeof v === 'number' ? v : v === '' ? NaN : Number(v);
      update(attribute, Number.isInteger(n) ? (asString ? String(n) : n) : undefined);
    },
    validate: (v: unknown) => {
      if (v === '' || v === undefined || v === null) return null;
      const n = Number(v);
      return Number.isInteger(n) && n >= min && n <= max ? null : t('wholeNumber', { min, max });
    },
  });
}

/** Result variable: ordo:resultVariable when the file already uses it, else camunda:resultVariable. */
function ResultVariableEntry(props: { element: Element; id: string }) {
  const { element, id } = props;
  const attribute = getBusinessObject(element).$attrs?.['ordo:resultVariable'] !== undefined ? 'ordo:resultVariable' : 'camunda:resultVariable';
  return h(TextEntry, { element, id, label: t('resultVariable'), attribute, description: t('resultVariableHint'), check: (v: string) => (VARIABLE.test(v) ? null : t('badVariable')) });
}

const entry = (id: string, component: unknown, isEdited: unknown, extra: Record<string, unknown> = {}) => ({ id, component, isEdited, ...extra });
const retries = () => entry('ordo-retries', NumberEntry, isNumberFieldEntryEdited, { label: t('retries'), attribute: 'ordo:retries', min: 1, max: MAX_RETRIES, description: t('retriesHint') });

function ordoGroup(element: Element): Group | null {
  if (is(element, 'bpmn:ServiceTask') || is(element, 'bpmn:SendTask')) {
    return {
      id: 'ordo-service',
      label: t('groupService'),
      entries: [
        entry('ordo-handler', HandlerEntry, isSelectEntryEdited),
        entry('ordo-template', PickEntry, isSelectEntryEdited, { label: t('template'), attribute: 'ordo:template', list: 'templates', description: t('templateHint') }),
        entry('ordo-outputVariable', TextEntry, isTextFieldEntryEdited, { label: t('outputVariable'), attribute: 'ordo:outputVariable', check: (v: string) => (VARIABLE.test(v) ? null : t('badVariable')) }),
        retries(),
      ],
    };
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    return {
      id: 'ordo-rule',
      label: t('groupRule'),
      entries: [
        entry('ordo-ruleSet', PickEntry, isSelectEntryEdited, { label: t('ruleSet'), attribute: 'ordo:ruleSet', list: 'ruleSets', description: t('ruleSetHint') }),
        entry('ordo-resultVariable', ResultVariableEntry, isTextFieldEntryEdited),
        retries(),
      ],
    };
  }
  if (is(element, 'bpmn:UserTask')) {
    const due = (v: string) => (hasExpression(v) || isIsoDuration(v) || isIsoDate(v) ? null : t('badDueIn'));
    return {
      id: 'ordo-user',
      label: t('groupUser'),
      entries: [
        entry('ordo-formKey', PickEntry, isSelectEntryEdited, { label: t('form'), attribute: 'camunda:formKey', list: 'forms' }),
        entry('ordo-candidateGroups', TextEntry, isTextFieldEntryEdited, { label: t('candidateGroups'), attribute: 'camunda:candidateGroups', description: t('listHint') }),
        entry('ordo-candidateUsers', TextEntry, isTextFieldEntryEdited, { label: t('candidateUsers'), attribute: 'camunda:candidateUsers', description: t('listHint') }),
        entry('ordo-assignee', TextEntry, isTextFieldEntryEdited, { label: t('assignee'), attribute: 'camunda:assignee' }),
        entry('ordo-dueDate', TextEntry, isTextFieldEntryEdited, { label: t('dueIn'), attribute: 'camunda:dueDate', description: t('dueInHint'), check: due }),
        entry('ordo-priority', NumberEntry, isNumberFieldEntryEdited, { label: t('priority'), attribute: 'camunda:priority', min: 0, max: 100, asString: true }),
      ],
    };
  }
  return null;
}

export class OrdoPropertiesProvider {
  static $inject = ['propertiesPanel'];
  constructor(propertiesPanel: { registerProvider(priority: number, provider: unknown): void }) {
    // after the bpmn (1000) and Camunda 7 (500) providers, so it can rearrange their groups
    propertiesPanel.registerProvider(200, this);
  }

  getGroups(element: Element) {
    return (groups: Group[]) => {
      const userTask = is(element, 'bpmn:UserTask');
      const kept = groups.filter((g) => {
        if (HIDDEN_GROUPS.has(g.id)) return false;
        // Ordo's group edits these; the Camunda ones stay only to remove foreign settings
        if (g.id === 'CamundaPlatform__Implementation') return hasForeignImplementation(element);
        if (userTask && (g.id === 'CamundaPlatform__UserAssignment' || g.id === 'CamundaPlatform__Form')) return false;
        return true;
      });
      const own = ordoGroup(element);
      if (!own) return kept;
      const at = kept.findIndex((g) => g.id === 'general');
      kept.splice(at < 0 ? 0 : at + 1, 0, own);
      return kept;
    };
  }
}
