/**
 * The Ordo BPMN dialect, read from a parsed moddle element: Camunda 7 attributes where they exist,
 * `ordo:` for the rest. The engine compiles diagrams with it, bpmnlint rules check with it, and the
 * designer's properties panel reads and writes the same names. Browser-safe.
 *
 *   service / send task   <camunda:connector> connectorId + <camunda:inputOutput>, ordo:retries, ordo:outputVariable
 *   print task            service task with ordo:template (+ ordo:target)
 *   business-rule task    ordo:ruleSet="key" | "key@3", ordo:resultVariable, ordo:retries
 *   user task             camunda:candidateGroups, candidateUsers, assignee, formKey, dueDate, priority
 *   call activity         calledElement + camunda:calledElementBinding="latest|version" + calledElementVersion
 *
 * `ordo:resultVariable` is deliberately not declared in ordo.json: camunda-bpmn-moddle already
 * declares a `resultVariable` on business-rule tasks and moddle refuses two properties with one local
 * name. It lives in the element's $attrs; read it with `bo.get('ordo:resultVariable')`.
 */

/** Anything moddle gives us: `$type`, `id`, `get()`, `$attrs`. */
export interface ModdleLike {
  $type: string;
  id?: string;
  $attrs?: Record<string, unknown>;
  get?(name: string): unknown;
  [key: string]: unknown;
}

export const ORDO_NS = 'http://ordo.dev/schema/bpmn/1.0';
export const DEFAULT_RETRIES = 3;
export const MAX_RETRIES = 20;

export type IoValue = { kind: 'text'; value: string } | { kind: 'list'; items: string[] } | { kind: 'map'; entries: Array<{ key: string; value: string }> };
export interface IoParameter {
  name: string;
  value: IoValue;
}

export interface ServiceConfig {
  kind: 'service';
  connectorId?: string;
  template?: string;
  target?: string;
  inputs: IoParameter[];
  outputs: IoParameter[];
  outputVariable?: string;
  retries: number;
}
export interface RuleConfig {
  kind: 'rule';
  ruleSet?: string;
  resultVariable: string;
  inputs: IoParameter[];
  retries: number;
}
export interface UserTaskConfig {
  kind: 'user';
  candidateGroups: string[];
  candidateUsers: string[];
  assignee?: string;
  formKey?: string;
  dueDate?: string;
  priority?: string;
  outputs: IoParameter[];
}
export interface CallConfig {
  kind: 'call';
  calledElement?: string;
  binding: 'latest' | 'version';
  version?: number;
}
export type ElementConfig = ServiceConfig | RuleConfig | UserTaskConfig | CallConfig;

export function prop(el: ModdleLike, name: string): unknown {
  const viaGet = typeof el.get === 'function' ? safeGet(el, name) : undefined;
  if (viaGet !== undefined && viaGet !== null && viaGet !== '') return viaGet;
  const local = name.includes(':') ? name.split(':')[1] : name;
  if (el.$attrs && el.$attrs[name] !== undefined) return el.$attrs[name];
  // the serialized form (moddle-context-serializer) keeps declared attributes under their local name
  if (!name.startsWith('bpmn:') && el[local] !== undefined && typeof el[local] !== 'function') return el[local];
  return undefined;
}

function safeGet(el: ModdleLike, name: string): unknown {
  try {
    return el.get!(name);
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
export const splitList = (v: unknown): string[] =>
  (str(v) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function extensionValues(el: ModdleLike, type?: string): ModdleLike[] {
  const ext = (prop(el, 'extensionElements') ?? el.extensionElements) as { values?: ModdleLike[] } | undefined;
  const values = ext?.values ?? [];
  return type ? values.filter((v) => v.$type === type) : values;
}

function ioValue(p: ModdleLike): IoValue {
  const def = (p.definition ?? (typeof p.get === 'function' ? safeGet(p, 'definition') : undefined)) as ModdleLike | undefined;
  if (def?.$type === 'camunda:List') return { kind: 'list', items: ((def.items as ModdleLike[]) ?? []).map((i) => String(i.value ?? '')) };
  if (def?.$type === 'camunda:Map') return { kind: 'map', entries: ((def.entries as ModdleLike[]) ?? []).map((e) => ({ key: String(e.key ?? ''), value: String(e.value ?? '') })) };
  if (def?.$type === 'camunda:Script') return { kind: 'text', value: '\u0000script' };
  return { kind: 'text', value: String(p.value ?? '') };
}

export function readInputOutput(io: ModdleLike | undefined): { inputs: IoParameter[]; outputs: IoParameter[] } {
  if (!io) return { inputs: [], outputs: [] };
  const map = (list: unknown) => ((list as ModdleLike[]) ?? []).map((p) => ({ name: String(p.name ?? ''), value: ioValue(p) }));
  return { inputs: map(io.inputParameters), outputs: map(io.outputParameters) };
}

function retriesOf(el: ModdleLike): number {
  const r = prop(el, 'ordo:retries');
  const n = typeof r === 'number' ? r : typeof r === 'string' ? Number(r) : NaN;
  return Number.isInteger(n) ? n : DEFAULT_RETRIES;
}

/** The runtime configuration of one flow element, or undefined when Ordo needs none. */
export function readElementConfig(el: ModdleLike): ElementConfig | undefined {
  switch (el.$type) {
    case 'bpmn:ServiceTask':
    case 'bpmn:SendTask': {
      const connector = extensionValues(el, 'camunda:Connector')[0];
      const io = readInputOutput((connector?.inputOutput as ModdleLike) ?? extensionValues(el, 'camunda:InputOutput')[0]);
      return {
        kind: 'service',
        connectorId: str(connector?.connectorId),
        template: str(prop(el, 'ordo:template')),
        target: str(prop(el, 'ordo:target')),
        ...io,
        outputVariable: str(prop(el, 'ordo:outputVariable')),
        retries: retriesOf(el),
      };
    }
    case 'bpmn:BusinessRuleTask': {
      const io = readInputOutput(extensionValues(el, 'camunda:InputOutput')[0]);
      return {
        kind: 'rule',
        ruleSet: str(prop(el, 'ordo:ruleSet')),
        resultVariable: str(prop(el, 'ordo:resultVariable')) ?? str(prop(el, 'camunda:resultVariable')) ?? el.id ?? 'decision',
        inputs: io.inputs,
        retries: retriesOf(el),
      };
    }
    case 'bpmn:UserTask': {
      const io = readInputOutput(extensionValues(el, 'camunda:InputOutput')[0]);
      return {
        kind: 'user',
        candidateGroups: splitList(prop(el, 'camunda:candidateGroups')),
        candidateUsers: splitList(prop(el, 'camunda:candidateUsers')),
        assignee: str(prop(el, 'camunda:assignee')),
        formKey: str(prop(el, 'camunda:formKey')),
        dueDate: str(prop(el, 'camunda:dueDate')),
        priority: str(prop(el, 'camunda:priority')),
        outputs: io.outputs,
      };
    }
    case 'bpmn:CallActivity': {
      const binding = str(prop(el, 'camunda:calledElementBinding')) === 'version' ? 'version' : 'latest';
      const v = Number(str(prop(el, 'camunda:calledElementVersion')));
      return { kind: 'call', calledElement: str(el.calledElement), binding, version: Number.isInteger(v) && v > 0 ? v : undefined };
    }
    default:
      return undefined;
  }
}

/** `key` or `key@3` */
export function parseVersionedRef(ref: string): { key: string; version?: number } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@(\d+))?$/.exec(ref);
  if (!m) return { key: ref };
  return { key: m[1], version: m[2] ? Number(m[2]) : undefined };
}

const DURATION = /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const CYCLE = /^R(\d*)\/(.+)$/;

export const isIsoDuration = (v: string): boolean => DURATION.test(v);
export const isIsoDate = (v: string): boolean => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));
export function isIsoCycle(v: string): boolean {
  const m = CYCLE.exec(v);
  if (!m) return false;
  return m[2].split('/').every((part) => isIsoDuration(part) || isIsoDate(part));
}

/** Milliseconds of an ISO 8601 duration (months = 30 days, years = 365 days). */
export function durationMs(v: string): number {
  const m = DURATION.exec(v);
  if (!m) throw new Error(`"${v}" is not an ISO 8601 duration`);
  const n = (i: number) => (m[i] ? parseFloat(m[i]) : 0);
  const days = n(1) * 365 + n(3) * 30 + n(5) * 7 + n(7);
  return Math.round(((days * 24 + n(10)) * 60 + n(12)) * 60_000 + n(14) * 1000);
}

/** camunda:dueDate as an absolute date: an ISO duration from `from`, or an ISO date. */
export function resolveDueDate(value: string | undefined, from: Date): Date | undefined {
  if (!value) return undefined;
  if (isIsoDuration(value)) return new Date(from.getTime() + durationMs(value));
  if (isIsoDate(value)) return new Date(value);
  return undefined;
}
