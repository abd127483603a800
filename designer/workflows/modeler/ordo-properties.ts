/**
 * Properties-panel provider for the Ordo dialect (workflows/bpmn/dialect.ts): the handler of a
 * service or send task (camunda:connector connectorId) with, for a connector operation, one typed
 * field per input of its element template (camunda:inputParameter of the connector, which the
 * engine resolves and passes to the call) and its output mapping (a camunda:outputParameter
 * `${result}`), print template, rule set, the user-task
 * fields (form, candidate groups, due in, priority) and retries. Runs after the Camunda 7 provider
 * and hides its groups that Ordo refuses at deploy (listeners, scripts, Java classes, async jobs),
 * so the panel offers only what runs. Entries are preact components of @bpmn-io/properties-panel.
 */
import i18next from 'i18next';
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry,
  isCheckboxEntryEdited,
  isNumberFieldEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
  NumberFieldEntry,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { isIsoDate, isIsoDuration, MAX_RETRIES } from '../../../workflows/bpmn/dialect';
import { checkTemplate, hasExpression } from '../../../workflows/bpmn/expressions';
import type { CatalogService, HandlerChoice, HandlerInput } from './catalog';

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

type IoList = 'inputParameters' | 'outputParameters';

const paramsOf = (io: any, list: IoList): any[] => io?.get(list) ?? [];
const inputParam = (element: Element, name: string) => paramsOf(connectorOf(element)?.get('inputOutput'), 'inputParameters').find((p) => p.get('name') === name);
const outputParamOf = (io: any, source: string) => paramsOf(io, 'outputParameters').find((p) => String(p.get('value') ?? '').trim() === source);
const outputParam = (element: Element, source: string) => outputParamOf(connectorOf(element)?.get('inputOutput'), source);
const updateCmd = (element: Element, moddleElement: unknown, properties: Record<string, unknown>) => ({ cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } });

/**
 * The connector's input/output for a chosen operation: one input parameter per input with a value
 * (kept from the previous choice, else the template's default), the output mapping (its variable
 * kept too) and any other output parameter the user wrote.
 */
function ioForChoice(bpmnFactory: any, parent: any, choice: HandlerChoice): any {
  const old = parent.get('inputOutput');
  const io = bpmnFactory.create('camunda:InputOutput', { inputParameters: [], outputParameters: [] });
  io.$parent = parent;
  const oldIn = paramsOf(old, 'inputParameters');
  for (const input of choice.inputs) {
    const kept = oldIn.find((p) => p.get('name') === input.name);
    const value = kept ? kept.get('value') : input.value;
    if (value === undefined || value === '') continue;
    const param = bpmnFactory.create('camunda:InputParameter', { name: input.name, value });
    param.$parent = io;
    io.get('inputParameters').push(param);
  }
  for (const p of paramsOf(old, 'outputParameters')) {
    if (choice.output && String(p.get('value') ?? '').trim() === choice.output.source) continue;
    const copy = bpmnFactory.create('camunda:OutputParameter', { name: p.get('name'), value: p.get('value'), definition: p.get('definition') });
    copy.$parent = io;
    io.get('outputParameters').push(copy);
  }
  if (choice.output) {
    const name = outputParamOf(old, choice.output.source)?.get('name') ?? choice.output.name;
    if (name) {
      const param = bpmnFactory.create('camunda:OutputParameter', { name, value: choice.output.source });
      param.$parent = io;
      io.get('outputParameters').push(param);
    }
  }
  return io;
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
    const next = c.handlers.find((x) => x.id === value);
    const typed = next && (next.inputs.length > 0 || next.output);
    const bo = getBusinessObject(element);
    const commands: unknown[] = [];
    let ext = bo.get('extensionElements');
    if (!ext) {
      if (!value) return;
      ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
      commands.push(updateCmd(element, bo, { extensionElements: ext }));
    }
    const connector = connectorOf(element);
    const values = ext.get('values');
    if (!value) {
      if (connector) commands.push(updateCmd(element, ext, { values: values.filter((v: unknown) => v !== connector) }));
    } else if (connector) {
      commands.push(updateCmd(element, connector, { connectorId: value, ...(typed ? { inputOutput: ioForChoice(bpmnFactory, connector, next) } : {}) }));
    } else {
      const created = bpmnFactory.create('camunda:Connector', { connectorId: value });
      created.$parent = ext;
      if (typed) created.set('inputOutput', ioForChoice(bpmnFactory, created, next));
      commands.push(updateCmd(element, ext, { values: [...values, created] }));
    }
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
  };
  const current = getValue();
  const chosen = c.handlers.find((x) => x.id === current);
  const description = chosen?.inputs.length || chosen?.output ? t('handlerTyped') : t('handlerHint');
  if (!c.known.handlers) return h(TextFieldEntry, { element, id, label: t('handler'), description, getValue, setValue, debounce });
  const getOptions = () => [
    { value: '', label: t('none') },
    ...c.handlers.map((x) => ({ value: x.id, label: x.label === x.id ? x.id : `${x.label} (${x.id})` })),
    ...(current && !chosen ? [{ value: current, label: t('unknownValue', { value: current }) }] : []),
  ];
  return h(SelectEntry, { element, id, label: t('handler'), description, getValue, setValue, getOptions });
}

/** Writes one parameter of the connector's input/output (created when missing); null removes it. */
function useParamWriter(element: Element) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  return (list: IoList, find: (p: any) => boolean, props: { name: string; value: string } | null) => {
    const connector = connectorOf(element);
    if (!connector) return;
    const commands: unknown[] = [];
    let io = connector.get('inputOutput');
    if (!io) {
      if (!props) return;
      io = bpmnFactory.create('camunda:InputOutput', { inputParameters: [], outputParameters: [] });
      io.$parent = connector;
      commands.push(updateCmd(element, connector, { inputOutput: io }));
    }
    const params = paramsOf(io, list);
    const existing = params.find(find);
    if (!props) {
      if (existing) commands.push(updateCmd(element, io, { [list]: params.filter((p) => p !== existing) }));
    } else if (existing) {
      commands.push(updateCmd(element, existing, { ...props, definition: undefined }));
    } else {
      const created = bpmnFactory.create(list === 'inputParameters' ? 'camunda:InputParameter' : 'camunda:OutputParameter', props);
      created.$parent = io;
      commands.push(updateCmd(element, io, { [list]: [...params, created] }));
    }
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
  };
}

/** The problem with a typed input's text, or null: required, a valid `${…}` expression, its literal form. */
function checkInput(input: HandlerInput, value: string): string | null {
  if (value.trim() === '') return input.required ? t('inputRequired') : null;
  const problems = checkTemplate(value);
  if (problems.length) return t('badExpression', { problem: problems[0] });
  if (input.pattern && !new RegExp(input.pattern.value).test(value)) return t('inputFormat', { hint: input.pattern.message });
  return null;
}

/** One typed input of the chosen connector operation (a camunda:inputParameter of its connector). */
function InputEntry(props: { element: Element; id: string; input: HandlerInput }) {
  const { element, id, input } = props;
  const debounce = useService('debounceInput');
  const write = useParamWriter(element);
  const label = input.required ? `${input.label} *` : input.label;
  const getValue = () => {
    const v = inputParam(element, input.name)?.get('value');
    return v === undefined || v === null ? '' : String(v);
  };
  const setValue = (v: string | boolean | undefined) => {
    const text = v === undefined ? '' : String(v);
    write('inputParameters', (p) => p.get('name') === input.name, text.trim() === '' ? null : { name: input.name, value: text });
  };
  const common = { element, id, label, description: input.description, getValue, setValue };
  if (input.type === 'Boolean') return h(CheckboxEntry, { ...common, getValue: () => getValue() === 'true' });
  if (input.type === 'Dropdown') {
    const getOptions = () => {
      const current = getValue();
      const choices = input.choices ?? [];
      return [
        ...(input.required ? [] : [{ value: '', label: t('none') }]),
        ...choices.map((ch) => ({ value: ch.value, label: ch.name })),
        ...(current && !choices.some((ch) => ch.value === current) ? [{ value: current, label: current }] : []),
      ];
    };
    return h(SelectEntry, { ...common, getOptions });
  }
  const validate = (v: string | undefined) => checkInput(input, v ?? '');
  if (input.type === 'Text') return h(TextAreaEntry, { ...common, debounce, validate, rows: 2, monospace: true });
  return h(TextFieldEntry, { ...common, debounce, validate });
}

/** The output mapping: the variable that receives the operation's result (camunda:outputParameter `${result}`). */
function OutputMappingEntry(props: { element: Element; id: string; source: string }) {
  const { element, id, source } = props;
  const debounce = useService('debounceInput');
  const write = useParamWriter(element);
  return h(TextFieldEntry, {
    element,
    id,
    label: t('outputMapping'),
    description: t('outputMappingHint'),
    debounce,
    getValue: () => String(outputParam(element, source)?.get('name') ?? ''),
    setValue: (v: string | undefined) => {
      const name = (v ?? '').trim();
      write('outputParameters', (p) => p === outputParam(element, source), name ? { name, value: source } : null);
    },
    validate: (v: string | undefined) => (v && !VARIABLE.test(v.trim()) ? t('badVariable') : null),
  });
}

const INPUT_EDITED: Record<HandlerInput['type'], unknown> = {
  String: isTextFieldEntryEdited,
  Text: isTextAreaEntryEdited,
  Boolean: isCheckboxEntryEdited,
  Dropdown: isSelectEntryEdited,
};

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

function ordoGroup(element: Element, catalog: CatalogService): Group | null {
  if (is(element, 'bpmn:ServiceTask') || is(element, 'bpmn:SendTask')) {
    const connectorId = String(connectorOf(element)?.get('connectorId') ?? '');
    const chosen = connectorId ? catalog.get().handlers.find((x) => x.id === connectorId) : undefined;
    const outputVariable = !chosen?.output || attr(element, 'ordo:outputVariable') !== '';
    return {
      id: 'ordo-service',
      label: t('groupService'),
      entries: [
        entry('ordo-handler', HandlerEntry, isSelectEntryEdited),
        ...(chosen?.inputs ?? []).map((input) => entry(`ordo-input-${input.name}`, InputEntry, INPUT_EDITED[input.type], { input })),
        ...(chosen?.output ? [entry('ordo-output', OutputMappingEntry, isTextFieldEntryEdited, { source: chosen.output.source })] : []),
        entry('ordo-template', PickEntry, isSelectEntryEdited, { label: t('template'), attribute: 'ordo:template', list: 'templates', description: t('templateHint') }),
        ...(outputVariable
          ? [entry('ordo-outputVariable', TextEntry, isTextFieldEntryEdited, { label: t('outputVariable'), attribute: 'ordo:outputVariable', check: (v: string) => (VARIABLE.test(v) ? null : t('badVariable')) })]
          : []),
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
  static $inject = ['propertiesPanel', 'ordoCatalog'];
  constructor(
    propertiesPanel: { registerProvider(priority: number, provider: unknown): void },
    private readonly catalog: CatalogService,
  ) {
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
      const own = ordoGroup(element, this.catalog);
      if (!own) return kept;
      const at = kept.findIndex((g) => g.id === 'general');
      kept.splice(at < 0 ? 0 : at + 1, 0, own);
      return kept;
    };
  }
}
