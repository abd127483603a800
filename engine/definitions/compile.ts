/**
 * Deploy-time work on a BPMN file: safe XML → moddle (bpmn-moddle 9, camunda + ordo descriptors)
 * → bpmnlint with the Ordo rules → reference checks through the ports → a compiled definition
 * (bpmn-engine sourceContext serialized once, plus what the runtime needs per element).
 */
import crypto from 'node:crypto';
import BpmnModdle from 'bpmn-moddle';
import * as elements from 'bpmn-elements';
import * as Serializer from 'moddle-context-serializer';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json';
import ordo from '../../workflows/bpmn/ordo.json';
import { lintDefinitions } from '../../workflows/bpmn/lint';
import { readElementConfig, parseVersionedRef, type ElementConfig, type ModdleLike } from '../../workflows/bpmn/dialect';
import { PayloadTooLargeError, ValidationError, type FieldIssue } from '../../workflows/model/errors';
import { checkTimerStart, type TimerStartSpec } from '../jobs/schedule';

export const MAX_BPMN_BYTES = 2 * 1024 * 1024;
export const PROCESS_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface CompiledMeta {
  processId: string;
  name: string | null;
  elements: Record<string, ElementConfig>;
  /** element id → type, for history and painting */
  types: Record<string, string>;
  /** element id → its name in the diagram */
  names: Record<string, string>;
  /** element id → enclosing sub-process id */
  parents: Record<string, string>;
  /** activity id → error codes caught by its boundary events */
  errorCatches: Record<string, string[]>;
  /** waiting element id → message { id, name } (receive tasks, catch/boundary/start events) */
  messages: Record<string, { id: string; name: string }>;
  signals: Record<string, { id: string; name: string }>;
  /** message end/throw events: element id → message name */
  throws: Record<string, string>;
  /** message start events of the executable process: name → message id */
  messageStarts: Record<string, string>;
  timerStart: boolean;
  /** timer start events of the executable process: scheduled at deploy (absent in definitions deployed before schedules) */
  timerStarts?: Array<{ id: string } & TimerStartSpec>;
  noneStart: boolean;
  /** error end events in the process scope (not inside a sub-process): id → errorCode */
  errorEnds: Record<string, string>;
}

export interface ParsedDefinition {
  key: string;
  xml: string;
  hash: string;
  root: ModdleLike;
  meta: CompiledMeta;
  serialized: string;
  warnings: FieldIssue[];
}

const moddle = () => new BpmnModdle({ camunda, ordo });

/** DOCTYPE / ENTITY are refused outright (no DTD, no entity expansion, no external entities). */
export function assertSafeXml(xml: string): void {
  if (Buffer.byteLength(xml, 'utf8') > MAX_BPMN_BYTES) throw new PayloadTooLargeError(`A BPMN file may be at most ${MAX_BPMN_BYTES / 1024 / 1024} MB`);
  if (/<!DOCTYPE/i.test(xml)) throw new ValidationError('The XML has a DOCTYPE, which is not allowed', [{ path: 'xml', message: 'DOCTYPE declarations are not allowed' }]);
  if (/<!ENTITY/i.test(xml)) throw new ValidationError('The XML declares an entity, which is not allowed', [{ path: 'xml', message: 'ENTITY declarations are not allowed' }]);
  if (!/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.-]*:)?definitions[\s>]/.test(xml)) {
    throw new ValidationError('This is not a BPMN file', [{ path: 'xml', message: 'expected a <bpmn:definitions> root element' }]);
  }
}

const issue = (elementId: string | undefined, message: string): FieldIssue => ({ path: elementId ?? '(definitions)', message });

/** Parses and lints; throws ValidationError with one issue per element on errors. */
export async function parseDefinition(xml: string): Promise<ParsedDefinition> {
  assertSafeXml(xml);
  let parsed;
  try {
    parsed = await moddle().fromXML(xml, 'bpmn:Definitions');
  } catch (err) {
    throw new ValidationError('The BPMN XML cannot be parsed', [{ path: 'xml', message: (err as Error).message.split('\n')[0] }]);
  }
  const errors: FieldIssue[] = [];
  for (const w of parsed.warnings) {
    if (/unknown attribute <ordo:resultVariable>/.test(w.message)) continue;
    const unknownAttr = /^unknown attribute <([^>]+)>/.exec(w.message);
    // attributes of foreign tools are kept but ignored; a misspelt ordo: attribute is an error
    if (unknownAttr && !unknownAttr[1].startsWith('ordo:')) continue;
    const el = w.element?.id;
    const unknownType = /unparsable content <([^>]+)> detected/.exec(w.message);
    errors.push(issue(el, unknownType ? `Unknown or misplaced element <${unknownType[1]}>: ${w.message.split('\n').find((l) => l.includes('nested error'))?.trim() ?? 'not part of BPMN 2.0 or the Ordo dialect'}` : w.message.split('\n')[0]));
  }
  const root = parsed.rootElement as ModdleLike;
  linkFlows(Object.values(parsed.elementsById) as ModdleLike[]);
  const processes = ((root.rootElements as ModdleLike[]) ?? []).filter((r) => r.$type === 'bpmn:Process');
  const executable = processes.filter((p) => p.isExecutable !== false);
  if (processes.length === 0) errors.push(issue(undefined, 'The file has no process'));
  else if (executable.length !== 1) {
    errors.push(issue(undefined, `Exactly one process must be executable (found ${executable.length}: ${executable.map((p) => p.id).join(', ') || 'none'})`));
  }
  const main = executable[0];
  if (main && !PROCESS_KEY.test(String(main.id))) errors.push(issue(String(main.id), 'The process id is its key: letters, digits, _ . - (max 64), starting with a letter'));

  const warnings: FieldIssue[] = [];
  for (const r of lintDefinitions(root)) (r.category === 'error' ? errors : warnings).push(issue(r.id, r.message));
  // a call activity must start a deployed process, never one of this file (bpmn-engine would run it in-process)
  for (const el of Object.values(parsed.elementsById) as ModdleLike[]) {
    if (el.$type === 'bpmn:CallActivity' && processes.some((p) => p.id === el.calledElement)) {
      errors.push(issue(el.id, `calledElement "${String(el.calledElement)}" is a process of this file; call activities start deployed processes (deploy it on its own)`));
    }
  }
  if (main) errors.push(...checkTimerStarts(main));
  if (errors.length) throw new ValidationError(`The diagram has ${errors.length} problem${errors.length > 1 ? 's' : ''}`, dedupe(errors));

  const ctx = await serializerContext(parsed);
  const serialized = ctx.serialize();
  return {
    key: String(main!.id),
    xml,
    hash: crypto.createHash('sha256').update(xml).digest('hex'),
    root,
    meta: buildMeta(parsed.elementsById as Record<string, ModdleLike>, main!),
    serialized,
    warnings: dedupe(warnings),
  };
}

/** Hand-written XML may omit <incoming>/<outgoing>; the lint rules (like bpmn-js) rely on them. */
function linkFlows(all: ModdleLike[]): void {
  for (const flow of all) {
    if (flow.$type !== 'bpmn:SequenceFlow') continue;
    const link = (node: unknown, prop: 'incoming' | 'outgoing') => {
      const el = node as ModdleLike | undefined;
      if (!el?.get) return;
      const list = el.get(prop) as unknown[];
      if (!list.includes(flow)) list.push(flow);
    };
    link(flow.sourceRef, 'outgoing');
    link(flow.targetRef, 'incoming');
  }
}

function dedupe(list: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return list.filter((i) => (seen.has(i.path + i.message) ? false : (seen.add(i.path + i.message), true)));
}

async function serializerContext(parsed: unknown): Promise<{ serialize(): string }> {
  const S = Serializer as unknown as { default(ctx: unknown, r: unknown): { serialize(): string }; TypeResolver(e: unknown): unknown };
  return S.default(parsed, S.TypeResolver(elements));
}

/** A live sourceContext from the stored serialization (done once per version, then cached). */
export function deserializeSource(serialized: string): unknown {
  const S = Serializer as unknown as { deserialize(json: unknown, r: unknown): unknown; TypeResolver(e: unknown): unknown };
  return S.deserialize(JSON.parse(serialized), S.TypeResolver(elements));
}

function buildMeta(byId: Record<string, ModdleLike>, main: ModdleLike): CompiledMeta {
  const meta: CompiledMeta = {
    processId: String(main.id),
    name: typeof main.name === 'string' ? main.name : null,
    elements: {},
    types: {},
    names: {},
    parents: {},
    errorCatches: {},
    messages: {},
    signals: {},
    throws: {},
    messageStarts: {},
    timerStart: false,
    timerStarts: [],
    noneStart: false,
    errorEnds: {},
  };
  for (const el of Object.values(byId)) {
    if (!el.id || !el.$type.startsWith('bpmn:')) continue;
    const id = el.id;
    const parent = el.$parent as ModdleLike | undefined;
    meta.types[id] = el.$type;
    if (typeof el.name === 'string' && el.name.trim()) meta.names[id] = el.name.trim();
    if (parent?.$type === 'bpmn:SubProcess' && parent.id) meta.parents[id] = parent.id;
    const cfg = readElementConfig(el);
    if (cfg) meta.elements[id] = cfg;
    const defs = (el.eventDefinitions as ModdleLike[] | undefined) ?? [];
    const inMain = parent === main;
    if (el.$type === 'bpmn:ReceiveTask' && el.messageRef) {
      const m = el.messageRef as ModdleLike;
      meta.messages[id] = { id: String(m.id), name: String(m.name) };
    }
    for (const d of defs) {
      if (d.$type === 'bpmn:MessageEventDefinition' && d.messageRef) {
        const m = d.messageRef as ModdleLike;
        if (el.$type === 'bpmn:EndEvent' || el.$type === 'bpmn:IntermediateThrowEvent') meta.throws[id] = String(m.name);
        else meta.messages[id] = { id: String(m.id), name: String(m.name) };
        if (el.$type === 'bpmn:StartEvent' && inMain) meta.messageStarts[String(m.name)] = String(m.id);
      }
      if (d.$type === 'bpmn:SignalEventDefinition' && d.signalRef) {
        const s = d.signalRef as ModdleLike;
        meta.signals[id] = { id: String(s.id), name: String(s.name) };
      }
      if (d.$type === 'bpmn:ErrorEventDefinition' && d.errorRef) {
        const code = String((d.errorRef as ModdleLike).errorCode);
        if (el.$type === 'bpmn:BoundaryEvent' && el.attachedToRef) {
          const host = String((el.attachedToRef as ModdleLike).id);
          (meta.errorCatches[host] ??= []).push(code);
        }
        if (el.$type === 'bpmn:EndEvent' && inMain) meta.errorEnds[id] = code;
      }
      if (d.$type === 'bpmn:TimerEventDefinition' && el.$type === 'bpmn:StartEvent' && inMain) {
        meta.timerStart = true;
        const spec = timerSpecOf(d);
        if (spec) meta.timerStarts!.push({ id, ...spec });
      }
    }
    if (el.$type === 'bpmn:StartEvent' && inMain && defs.length === 0) meta.noneStart = true;
  }
  return meta;
}

function timerSpecOf(def: ModdleLike): TimerStartSpec | null {
  for (const type of ['timeCycle', 'timeDate', 'timeDuration'] as const) {
    const expr = def[type] as ModdleLike | undefined;
    if (expr) return { type, value: String(expr.body ?? '').trim() };
  }
  return null;
}

/**
 * A timer start event is a schedule (engine/jobs/schedule.ts): its value must parse now, and it must be
 * the process's only start event (bpmn-engine runs every start event of a process at once).
 */
function checkTimerStarts(main: ModdleLike): FieldIssue[] {
  const starts = ((main.flowElements as ModdleLike[] | undefined) ?? []).filter((e) => e.$type === 'bpmn:StartEvent');
  const timed = starts.filter((s) => ((s.eventDefinitions as ModdleLike[] | undefined) ?? []).some((d) => d.$type === 'bpmn:TimerEventDefinition'));
  const issues: FieldIssue[] = [];
  for (const s of timed) {
    if (starts.length > 1) issues.push(issue(s.id, 'A process with a timer start event can have no other start event (deploy the other start as its own process)'));
    const def = ((s.eventDefinitions as ModdleLike[]) ?? []).find((d) => d.$type === 'bpmn:TimerEventDefinition')!;
    const spec = timerSpecOf(def);
    if (!spec) {
      issues.push(issue(s.id, 'A timer start event needs a timeDate, timeDuration or timeCycle'));
      continue;
    }
    try {
      checkTimerStart(spec);
    } catch (err) {
      issues.push(issue(s.id, `Invalid ${spec.type}: ${(err as Error).message}`));
    }
  }
  return issues;
}

/** Whether an error with this code thrown by the activity is caught by it or an enclosing sub-process. */
export function isErrorCaught(meta: CompiledMeta, activityId: string, code: string): boolean {
  for (let id: string | undefined = activityId; id; id = meta.parents[id]) {
    if (meta.errorCatches[id]?.includes(code)) return true;
  }
  return false;
}

export interface ReferencePorts {
  hasConnector(id: string): boolean;
  hasRuleSet(ref: string): Promise<boolean>;
  hasForm(key: string): Promise<boolean>;
  hasTemplate?(key: string): Promise<boolean>;
  hasProcess(key: string, version?: number): Promise<boolean>;
}

/** Every connector, rule set, form, template and called process referenced must exist. */
export async function checkReferences(meta: CompiledMeta, ports: ReferencePorts): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  for (const [id, cfg] of Object.entries(meta.elements)) {
    if (cfg.kind === 'service') {
      if (cfg.connectorId && !ports.hasConnector(cfg.connectorId)) issues.push(issue(id, `Unknown connector or handler "${cfg.connectorId}"`));
      if (cfg.template) {
        if (!ports.hasTemplate) issues.push(issue(id, 'Print tasks need the printing module, which is not configured'));
        else if (!(await ports.hasTemplate(cfg.template))) issues.push(issue(id, `Unknown print template "${cfg.template}"`));
      }
    }
    if (cfg.kind === 'rule' && cfg.ruleSet && !(await ports.hasRuleSet(cfg.ruleSet))) issues.push(issue(id, `Unknown rule set "${cfg.ruleSet}" (no published version)`));
    if (cfg.kind === 'user' && cfg.formKey && !(await ports.hasForm(cfg.formKey))) issues.push(issue(id, `Unknown form "${cfg.formKey}"`));
    if (cfg.kind === 'call' && cfg.calledElement) {
      const { key } = parseVersionedRef(cfg.calledElement);
      const version = cfg.binding === 'version' ? cfg.version : undefined;
      if (!(await ports.hasProcess(key, version))) issues.push(issue(id, `Called process "${key}"${version ? ` version ${version}` : ''} is not deployed`));
    }
  }
  return issues;
}
