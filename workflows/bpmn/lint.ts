/// <reference path="./vendor.d.ts" />
/**
 * bpmnlint rules that know what Ordo runs, and the config both sides use:
 *  - server: `new Linter(ordoLintConfig())` + `linter.lint(definitions)` at deploy;
 *  - designer: bpmn-js-bpmnlint `linting: { bpmnlint: ordoLintConfig({ catalog }) }` for live markers.
 * Rules are plain functions over moddle elements (browser-safe). References to connectors, rule sets,
 * forms and processes are checked here only when a catalog is given (the designer fetches one from
 * GET /api/workflows/catalog); the server checks them through the engine ports instead.
 */
import startEventRequired from 'bpmnlint/rules/start-event-required';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import fakeJoin from 'bpmnlint/rules/fake-join';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import traverse from 'bpmnlint/lib/traverse';
import { checkTemplate, hasExpression } from './expressions';
import { extensionValues, isIsoCycle, isIsoDate, isIsoDuration, MAX_RETRIES, parseVersionedRef, prop, readElementConfig, type IoValue, type ModdleLike } from './dialect';

export interface LintReporter {
  report(id: string, message: string, path?: unknown): void;
}
export type LintCheck = (node: ModdleLike, reporter: LintReporter) => unknown;
export type LintRule = { check: LintCheck | { enter?: LintCheck; leave?: LintCheck } };
export type LintRuleFactory = (config?: unknown) => LintRule;

/** What exists, for reference checks in the browser. */
export interface OrdoCatalog {
  connectors?: string[];
  ruleSets?: string[];
  forms?: string[];
  processes?: string[];
  templates?: string[];
}

const isA = (node: ModdleLike, type: string): boolean =>
  typeof (node as { $instanceOf?: (t: string) => boolean }).$instanceOf === 'function' ? (node as unknown as { $instanceOf(t: string): boolean }).$instanceOf(type) : node.$type === type;

const eventDefinitions = (node: ModdleLike): ModdleLike[] => (node.eventDefinitions as ModdleLike[] | undefined) ?? [];
const defTypes = (node: ModdleLike) => eventDefinitions(node).map((d) => d.$type);

const rule = (check: LintRule['check']): LintRuleFactory => () => ({ check });

/** Element types and event kinds the runtime supports; everything else is refused by name. */
const supportedElements = rule((node, reporter) => {
  const id = node.id ?? '(definitions)';
  const t = node.$type;
  const refused: Record<string, string> = {
    'bpmn:ScriptTask': 'Script tasks are not allowed: scripts would run host code (use a service task with a connector)',
    'bpmn:ManualTask': 'Manual tasks are not supported: use a user task with a form',
    'bpmn:ComplexGateway': 'Complex gateways are not supported',
    'bpmn:Transaction': 'Transactions (and compensation) are not supported',
    'bpmn:AdHocSubProcess': 'Ad-hoc sub-processes are not supported',
    'bpmn:ChoreographyTask': 'Choreographies are not supported',
  };
  if (refused[t]) return reporter.report(id, refused[t]);
  if (t === 'bpmn:SubProcess' && node.triggeredByEvent) return reporter.report(id, 'Event sub-processes are not supported');
  if ((t.endsWith('Task') || t === 'bpmn:SubProcess' || t === 'bpmn:CallActivity') && node.loopCharacteristics) {
    return reporter.report(id, 'Loops and multi-instance activities are not supported');
  }
  if (t === 'bpmn:Collaboration' && ((node.participants as ModdleLike[] | undefined)?.length ?? 0) > 1) {
    return reporter.report(id, 'Only one pool (participant) per diagram is supported');
  }
  const defs = defTypes(node);
  const allowed: Record<string, string[]> = {
    'bpmn:StartEvent': ['bpmn:MessageEventDefinition', 'bpmn:TimerEventDefinition'],
    'bpmn:EndEvent': ['bpmn:ErrorEventDefinition', 'bpmn:TerminateEventDefinition', 'bpmn:MessageEventDefinition'],
    'bpmn:IntermediateCatchEvent': ['bpmn:TimerEventDefinition', 'bpmn:MessageEventDefinition', 'bpmn:SignalEventDefinition'],
    'bpmn:IntermediateThrowEvent': ['bpmn:MessageEventDefinition'],
    'bpmn:BoundaryEvent': ['bpmn:TimerEventDefinition', 'bpmn:ErrorEventDefinition', 'bpmn:MessageEventDefinition'],
  };
  if (allowed[t]) {
    for (const d of defs) {
      if (!allowed[t].includes(d)) reporter.report(id, `${t.slice(5)} with a ${d.slice(5).replace('EventDefinition', '')} trigger is not supported (supported: none${allowed[t].map((a) => ', ' + a.slice(5).replace('EventDefinition', '').toLowerCase()).join('')})`);
    }
    if (t === 'bpmn:IntermediateCatchEvent' && defs.length === 0) reporter.report(id, 'An intermediate catch event needs a timer, message or signal');
    if (t === 'bpmn:BoundaryEvent' && defs.length === 0) reporter.report(id, 'A boundary event needs a timer, error or message');
  }
});

/** Nothing that runs code: scripts, script conditions, Java classes, expressions as implementations, listeners. */
const noCode = rule((node, reporter) => {
  const id = node.id ?? '(definitions)';
  for (const attr of ['implementation', 'camunda:class', 'camunda:expression', 'camunda:delegateExpression']) {
    const v = attr === 'implementation' ? node.implementation : prop(node, attr);
    if (typeof v === 'string' && v.trim() && !(attr === 'implementation' && /^##(unspecified|WebService)$/.test(v))) {
      reporter.report(id, `${attr} is not allowed: call a connector (camunda:connector) or a built-in handler instead`);
    }
  }
  if (node.$type === 'bpmn:FormalExpression' || node.$type === 'bpmn:Expression') return;
  const cond = node.conditionExpression as ModdleLike | undefined;
  if (cond && typeof cond.language === 'string' && cond.language.trim()) {
    reporter.report(id, `Conditions with language="${cond.language}" are not allowed: write \${...} with a path and a comparison`);
  }
  for (const ext of extensionValues(node)) {
    if (ext.$type === 'camunda:ExecutionListener' || ext.$type === 'camunda:TaskListener') reporter.report(id, 'Execution and task listeners are not allowed (they run code)');
    if (ext.$type === 'camunda:Connector' || ext.$type === 'camunda:InputOutput') {
      const io = (ext.$type === 'camunda:Connector' ? ext.inputOutput : ext) as ModdleLike | undefined;
      for (const p of [...((io?.inputParameters as ModdleLike[]) ?? []), ...((io?.outputParameters as ModdleLike[]) ?? [])]) {
        if ((p.definition as ModdleLike | undefined)?.$type === 'camunda:Script') reporter.report(id, `Parameter "${String(p.name)}" is a script, which is not allowed`);
      }
    }
  }
});

function textsOf(node: ModdleLike): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  const add = (where: string, v: unknown) => {
    if (typeof v === 'string') out.push({ where, text: v });
  };
  const cond = node.conditionExpression as ModdleLike | undefined;
  if (cond) add('condition', cond.body);
  for (const d of eventDefinitions(node)) {
    for (const k of ['timeDuration', 'timeDate', 'timeCycle']) add(k, (d[k] as ModdleLike | undefined)?.body);
  }
  for (const attr of ['camunda:candidateGroups', 'camunda:candidateUsers', 'camunda:assignee', 'camunda:dueDate', 'camunda:priority', 'camunda:formKey']) add(attr, prop(node, attr));
  const cfg = readElementConfig(node);
  if (cfg && 'inputs' in cfg) for (const p of cfg.inputs) ioTexts(`input "${p.name}"`, p.value, add);
  if (cfg && 'outputs' in cfg) for (const p of cfg.outputs) ioTexts(`output "${p.name}"`, p.value, add);
  return out;
}
function ioTexts(where: string, v: IoValue, add: (w: string, t: unknown) => void) {
  if (v.kind === 'text') add(where, v.value);
  else if (v.kind === 'list') v.items.forEach((i) => add(where, i));
  else v.entries.forEach((e) => add(where, e.value));
}

/** Every `${...}` must parse with the allow-listed grammar (workflows/bpmn/expressions.ts). */
const safeExpressions = rule((node, reporter) => {
  if (!node.id) return;
  for (const { where, text } of textsOf(node)) {
    if (!hasExpression(text) && !text.includes('#{')) continue;
    for (const problem of checkTemplate(text)) reporter.report(node.id, `${where}: expression not allowed: ${problem}`);
  }
});

/** bpmn-engine has no inclusive-gateway join; Ordo refuses converging inclusive gateways. */
const noInclusiveJoin = rule((node, reporter) => {
  if (node.$type !== 'bpmn:InclusiveGateway') return;
  const incoming = (node.incoming as unknown[] | undefined) ?? [];
  if (incoming.length > 1) {
    reporter.report(
      node.id!,
      'A converging inclusive gateway (OR-join) is not supported by the engine: join the branches with a parallel gateway when all of them always run, or end each branch separately',
    );
  }
});

// `erp.getStock` (latest) or `erp@3.getStock` (pinned to version 3, as element templates of stored connectors write it)
const CONNECTOR_ID = /^[A-Za-z][\w-]*(@\d+)?(\.[\w-]+)+$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const serviceTasks = rule((node, reporter) => {
  const cfg = readElementConfig(node);
  if (!cfg || !node.id) return;
  if (cfg.kind === 'service') {
    if (!cfg.connectorId && !cfg.template) reporter.report(node.id, `${node.$type === 'bpmn:SendTask' ? 'Send' : 'Service'} task needs a connector (camunda:connector with a connectorId) or a print template (ordo:template)`);
    if (cfg.connectorId && !CONNECTOR_ID.test(cfg.connectorId)) reporter.report(node.id, `connectorId "${cfg.connectorId}" must look like "connector.operation" or "connector@version.operation"`);
    if (cfg.outputVariable && !VARIABLE.test(cfg.outputVariable)) reporter.report(node.id, `ordo:outputVariable "${cfg.outputVariable}" is not a valid variable name`);
  }
  if (cfg.kind === 'service' || cfg.kind === 'rule') {
    if (!Number.isInteger(cfg.retries) || cfg.retries < 1 || cfg.retries > MAX_RETRIES) reporter.report(node.id, `ordo:retries must be a whole number from 1 to ${MAX_RETRIES}`);
    for (const p of cfg.inputs) if (!p.name) reporter.report(node.id, 'An input parameter has no name');
  }
  if (cfg.kind === 'rule') {
    if (!cfg.ruleSet) reporter.report(node.id, 'Business-rule task needs a rule set (ordo:ruleSet)');
    else if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(@\d+)?$/.test(cfg.ruleSet)) reporter.report(node.id, `ordo:ruleSet "${cfg.ruleSet}" must be "key" or "key@version"`);
    if (!VARIABLE.test(cfg.resultVariable)) reporter.report(node.id, `ordo:resultVariable "${cfg.resultVariable}" is not a valid variable name`);
  }
  if (cfg.kind === 'user') {
    if (!cfg.formKey) reporter.report(node.id, 'User task needs a form (camunda:formKey)');
    if (cfg.dueDate && !hasExpression(cfg.dueDate) && !isIsoDuration(cfg.dueDate) && !isIsoDate(cfg.dueDate)) {
      reporter.report(node.id, `camunda:dueDate "${cfg.dueDate}" must be an ISO 8601 duration (P2D) or date`);
    }
    if (cfg.priority && !hasExpression(cfg.priority) && !/^\d{1,3}$/.test(cfg.priority)) reporter.report(node.id, 'camunda:priority must be a whole number (0-100)');
  }
  if (cfg.kind === 'call') {
    if (!cfg.calledElement) reporter.report(node.id, 'Call activity needs a called process (calledElement)');
    else if (hasExpression(cfg.calledElement)) reporter.report(node.id, 'calledElement must name a process key, not an expression');
    if (prop(node, 'camunda:calledElementBinding') === 'version' && !cfg.version) reporter.report(node.id, 'calledElementBinding="version" needs camunda:calledElementVersion (a version number)');
    const binding = prop(node, 'camunda:calledElementBinding');
    if (binding && binding !== 'latest' && binding !== 'version') reporter.report(node.id, 'calledElementBinding must be "latest" or "version"');
  }
});

/** Messages, signals and errors need named references; timers need valid ISO 8601 values. */
const eventReferences = rule((node, reporter) => {
  if (!node.id) return;
  const defs = eventDefinitions(node);
  const receive = node.$type === 'bpmn:ReceiveTask';
  for (const d of receive ? [node] : defs) {
    if (d.$type === 'bpmn:MessageEventDefinition' || receive) {
      const msg = d.messageRef as ModdleLike | undefined;
      if (!msg) reporter.report(node.id, 'Needs a message (messageRef) to correlate');
      else if (!msg.name) reporter.report(node.id, `Message "${msg.id}" needs a name`);
    }
    if (d.$type === 'bpmn:SignalEventDefinition') {
      const sig = d.signalRef as ModdleLike | undefined;
      if (!sig?.name) reporter.report(node.id, 'Needs a signal with a name (signalRef)');
    }
    if (d.$type === 'bpmn:ErrorEventDefinition') {
      const err = d.errorRef as ModdleLike | undefined;
      if (!err?.errorCode) {
        reporter.report(
          node.id,
          node.$type === 'bpmn:BoundaryEvent'
            ? 'An error boundary event needs an error with an errorCode (without one it would also catch bugs)'
            : 'An error end event needs an error with an errorCode',
        );
      }
    }
    if (d.$type === 'bpmn:TimerEventDefinition') {
      const kinds = (['timeDuration', 'timeDate', 'timeCycle'] as const).filter((k) => d[k]);
      if (kinds.length !== 1) {
        reporter.report(node.id, 'A timer needs exactly one of duration, date or cycle');
        continue;
      }
      const body = String((d[kinds[0]] as ModdleLike).body ?? '').trim();
      if (hasExpression(body)) continue;
      const ok = kinds[0] === 'timeDuration' ? isIsoDuration(body) : kinds[0] === 'timeDate' ? isIsoDate(body) : isIsoCycle(body);
      if (!ok) reporter.report(node.id, `Timer ${kinds[0]} "${body}" is not a valid ISO 8601 ${kinds[0] === 'timeDuration' ? 'duration (PT10M)' : kinds[0] === 'timeDate' ? 'date' : 'cycle (R3/PT10M)'}`);
    }
  }
});

/** Browser-side reference checks against a catalog (the server checks through its ports). */
const references: LintRuleFactory = (config) => {
  const catalog = (config ?? {}) as OrdoCatalog;
  return {
    check(node, reporter) {
      const cfg = readElementConfig(node);
      if (!cfg || !node.id) return;
      if (cfg.kind === 'service' && cfg.connectorId && catalog.connectors && !catalog.connectors.includes(cfg.connectorId)) reporter.report(node.id, `Unknown connector "${cfg.connectorId}"`);
      if (cfg.kind === 'service' && cfg.template && catalog.templates && !catalog.templates.includes(cfg.template)) reporter.report(node.id, `Unknown print template "${cfg.template}"`);
      if (cfg.kind === 'rule' && cfg.ruleSet && catalog.ruleSets && !catalog.ruleSets.includes(parseVersionedRef(cfg.ruleSet).key)) reporter.report(node.id, `Unknown rule set "${cfg.ruleSet}"`);
      if (cfg.kind === 'user' && cfg.formKey && catalog.forms && !catalog.forms.includes(cfg.formKey)) reporter.report(node.id, `Unknown form "${cfg.formKey}"`);
      if (cfg.kind === 'call' && cfg.calledElement && catalog.processes && !catalog.processes.includes(cfg.calledElement)) {
        // a process of the same file is fine too
        let root: ModdleLike | undefined = node;
        while (root && root.$type !== 'bpmn:Definitions') root = root.$parent as ModdleLike | undefined;
        const local = ((root?.rootElements as ModdleLike[]) ?? []).some((r) => r.$type === 'bpmn:Process' && r.id === cfg.calledElement);
        if (!local) reporter.report(node.id, `Unknown process "${cfg.calledElement}"`);
      }
    },
  };
};

export const ORDO_RULES: Record<string, LintRuleFactory> = {
  'supported-elements': supportedElements,
  'no-code': noCode,
  'safe-expressions': safeExpressions,
  'no-inclusive-join': noInclusiveJoin,
  tasks: serviceTasks,
  'event-references': eventReferences,
  references,
};

const BUILT_IN: Record<string, LintRuleFactory> = {
  'start-event-required': startEventRequired as LintRuleFactory,
  'end-event-required': endEventRequired as LintRuleFactory,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows as LintRuleFactory,
  'single-event-definition': singleEventDefinition as LintRuleFactory,
  'event-based-gateway': eventBasedGateway as LintRuleFactory,
  'no-complex-gateway': noComplexGateway as LintRuleFactory,
  'no-disconnected': noDisconnected as LintRuleFactory,
  'fake-join': fakeJoin as LintRuleFactory,
  'superfluous-gateway': superfluousGateway as LintRuleFactory,
};

export type LintCategory = 'error' | 'warn' | 'off' | ['error' | 'warn', unknown];

/** The rule set of deploy: errors block a deploy, warnings are shown only. */
export function ordoLintRules(catalog?: OrdoCatalog): Record<string, LintCategory> {
  return {
    'start-event-required': 'error',
    'end-event-required': 'error',
    'no-duplicate-sequence-flows': 'error',
    'single-event-definition': 'error',
    'event-based-gateway': 'error',
    'no-complex-gateway': 'error',
    'no-disconnected': 'warn',
    'fake-join': 'warn',
    'superfluous-gateway': 'warn',
    'ordo/supported-elements': 'error',
    'ordo/no-code': 'error',
    'ordo/safe-expressions': 'error',
    'ordo/no-inclusive-join': 'error',
    'ordo/tasks': 'error',
    'ordo/event-references': 'error',
    'ordo/references': catalog ? ['error', catalog] : 'off',
  };
}

/** `{ config, resolver }` for bpmnlint's Linter and for bpmn-js-bpmnlint. */
export function ordoLintConfig(options: { catalog?: OrdoCatalog } = {}) {
  return {
    config: { rules: ordoLintRules(options.catalog) },
    resolver: {
      resolveRule(pkg: string, ruleName: string): LintRuleFactory {
        const found = pkg === 'bpmnlint-plugin-ordo' ? ORDO_RULES[ruleName] : pkg === 'bpmnlint' ? BUILT_IN[ruleName] : undefined;
        if (!found) throw new Error(`unknown lint rule ${pkg}/${ruleName}`);
        return found;
      },
      resolveConfig(): never {
        throw new Error('Ordo lint config has no nested configs');
      },
    },
  };
}

export interface LintReport {
  id: string;
  message: string;
  rule: string;
  category: 'error' | 'warn';
}

/**
 * Runs the Ordo rules over a parsed definitions element, the way bpmnlint's Linter does, without
 * its runner (which needs an ESM-only dependency under CommonJS test runners).
 */
export function lintDefinitions(root: ModdleLike, options: { catalog?: OrdoCatalog } = {}): LintReport[] {
  const { resolver } = ordoLintConfig(options);
  const reports: LintReport[] = [];
  for (const [name, setting] of Object.entries(ordoLintRules(options.catalog))) {
    const category = Array.isArray(setting) ? setting[0] : setting;
    if (category === 'off') continue;
    const ruleConfig = Array.isArray(setting) ? setting[1] : undefined;
    const [pkg, ruleName] = name.startsWith('ordo/') ? ['bpmnlint-plugin-ordo', name.slice(5)] : ['bpmnlint', name];
    const rule = resolver.resolveRule(pkg, ruleName)(ruleConfig);
    const reporter: LintReporter = { report: (id, message) => reports.push({ id, message, rule: name, category }) };
    const check = rule.check;
    const enter = typeof check === 'function' ? check : check.enter;
    const leave = typeof check === 'function' ? undefined : check.leave;
    traverse(root, { enter: enter ? (node: ModdleLike) => enter(node, reporter) : undefined, leave: leave ? (node: ModdleLike) => leave(node, reporter) : undefined });
  }
  return reports;
}
