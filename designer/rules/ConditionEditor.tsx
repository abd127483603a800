/** The condition tree editor: groups (all / any / not) and conditions (fact, operator, typed value). */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldIssue } from '../app/api';
import {
  defaultValue,
  fieldOf,
  isGroup,
  newLeaf,
  operatorsFor,
  parseList,
  valueKind,
  type Catalog,
  type CatalogField,
  type Condition,
  type ConditionLeaf,
  type OperatorInfo,
} from './model';

interface NodeProps<T> {
  node: T;
  path: string;
  catalog: Catalog;
  issues: readonly FieldIssue[];
  onChange(next: T): void;
  onRemove?(): void;
}

type Group = Exclude<Condition, ConditionLeaf>;
const kindOf = (g: Group): 'all' | 'any' | 'not' => ('all' in g ? 'all' : 'any' in g ? 'any' : 'not');
const childrenOf = (g: Group): Condition[] => ('all' in g ? g.all : 'any' in g ? g.any : [g.not]);
const withChildren = (kind: 'all' | 'any' | 'not', children: Condition[]): Group =>
  kind === 'not' ? { not: children.length === 1 ? children[0] : { all: children } } : ({ [kind]: children } as Group);

function Issues({ issues, path }: { issues: readonly FieldIssue[]; path: string }) {
  const mine = issues.filter((i) => i.path === path || (i.path.startsWith(`${path}.`) && !/\.(all|any|not)(\.|$)/.test(i.path.slice(path.length))));
  if (!mine.length) return null;
  return (
    <ul className="rule-issues" role="alert">
      {mine.map((i) => (
        <li key={i.path + i.message}>{i.message}</li>
      ))}
    </ul>
  );
}

export function ConditionNode(props: NodeProps<Condition> & { root?: boolean }) {
  return isGroup(props.node) ? <GroupEditor {...(props as NodeProps<Group> & { root?: boolean })} /> : <LeafEditor {...(props as NodeProps<ConditionLeaf>)} />;
}

function GroupEditor({ node, path, catalog, issues, onChange, onRemove, root }: NodeProps<Group> & { root?: boolean }) {
  const { t } = useTranslation('rules');
  const kind = kindOf(node);
  const children = childrenOf(node);
  const childPath = (i: number) => (kind === 'not' ? `${path}.not` : `${path}.${kind}.${i}`);
  const setChildren = (next: Condition[]) => onChange(withChildren(kind, next));
  const first = catalog.facts[0];
  return (
    <div className={`cond-group cond-${kind}`} data-path={path}>
      <div className="cond-group-head">
        <select aria-label={t('cond.operator')} value={kind} onChange={(e) => onChange(withChildren(e.target.value as 'all' | 'any' | 'not', children))}>
          <option value="all">{t('cond.all')}</option>
          <option value="any">{t('cond.any')}</option>
          <option value="not">{t('cond.not')}</option>
        </select>
        {kind !== 'not' || children.length === 0 ? (
          <>
            <button type="button" className="btn btn-small" onClick={() => first && setChildren([...children, newLeaf(catalog, first)])}>
              {t('cond.addCondition')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => first && setChildren([...children, { all: [newLeaf(catalog, first)] }])}>
              {t('cond.addGroup')}
            </button>
          </>
        ) : null}
        {onRemove && !root ? (
          <button type="button" className="btn btn-small btn-danger" onClick={onRemove}>
            {t('cond.remove')}
          </button>
        ) : null}
      </div>
      <Issues issues={issues} path={path} />
      <div className="cond-children">
        {children.map((child, i) => (
          <ConditionNode
            key={i}
            node={child}
            path={childPath(i)}
            catalog={catalog}
            issues={issues}
            onChange={(next) => setChildren(children.map((c, j) => (j === i ? next : c)))}
            onRemove={children.length > 1 || kind === 'not' ? () => setChildren(children.filter((_, j) => j !== i)) : undefined}
          />
        ))}
      </div>
    </div>
  );
}

/** Fact picker with search: a text input over the catalogue (typed list, grouped labels). */
export function FactPicker({ catalog, value, onPick, label }: { catalog: Catalog; value: string; onPick(field: CatalogField): void; label: string }) {
  const { t } = useTranslation('rules');
  const listId = useId();
  const [text, setText] = useState(value);
  return (
    <>
      <input
        aria-label={label}
        className="fact-picker"
        list={listId}
        value={text}
        placeholder={t('cond.searchFact')}
        onChange={(e) => {
          setText(e.target.value);
          const field = catalog.facts.find((f) => f.id === e.target.value);
          if (field) onPick(field);
        }}
        onBlur={() => setText(value)}
      />
      <datalist id={listId}>
        {catalog.facts.map((f) => (
          <option key={f.id} value={f.id}>
            {`${t(`groups.${f.group}`)} · ${f.type}`}
          </option>
        ))}
      </datalist>
    </>
  );
}

function LeafEditor({ node, path, catalog, issues, onChange, onRemove }: NodeProps<ConditionLeaf>) {
  const { t } = useTranslation('rules');
  const field = fieldOf(catalog, node);
  const ops = operatorsFor(catalog, field);
  const op = ops.find((o) => o.id === node.operator);
  return (
    <div className="cond-leaf" data-path={path}>
      <div className="cond-leaf-row">
        <FactPicker key={field?.id ?? node.fact} catalog={catalog} value={field?.id ?? node.fact} label={t('cond.fact')} onPick={(f) => onChange(newLeaf(catalog, f))} />
        {field?.params
          ? Object.entries(field.params).map(([name, spec]) => (
              <input
                key={name}
                className="cond-param"
                aria-label={`${name}: ${spec.description}`}
                placeholder={name}
                value={String(node.params?.[name] ?? '')}
                onChange={(e) => onChange({ ...node, params: { ...node.params, [name]: spec.type === 'number' ? Number(e.target.value) : e.target.value } })}
              />
            ))
          : null}
        <select
          aria-label={t('cond.operator')}
          value={node.operator}
          onChange={(e) => {
            const next = ops.find((o) => o.id === e.target.value);
            onChange({ ...node, operator: e.target.value as ConditionLeaf['operator'], value: next?.value === op?.value ? node.value : defaultValue(next, field) });
          }}
        >
          {op ? null : <option value={node.operator}>{node.operator}</option>}
          {ops.map((o) => (
            <option key={o.id} value={o.id}>
              {t(`ops.${o.id}`)}
            </option>
          ))}
        </select>
        <ValueInput op={op} field={field} value={node.value} catalog={catalog} onChange={(value) => onChange({ ...node, value })} />
        {onRemove ? (
          <button type="button" className="btn btn-small btn-danger" onClick={onRemove} aria-label={t('cond.remove')}>
            ×
          </button>
        ) : null}
      </div>
      <Issues issues={issues} path={path} />
    </div>
  );
}

function ScalarInput({ kind, values, value, onChange, label }: { kind: string; values?: string[]; value: unknown; onChange(v: unknown): void; label: string }) {
  const { t } = useTranslation('rules');
  if (value && typeof value === 'object') return <code className="cond-ref">{JSON.stringify(value)}</code>;
  if (kind === 'enum' && values)
    return (
      <select aria-label={label} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  if (kind === 'boolean')
    return (
      <select aria-label={label} value={String(value)} onChange={(e) => onChange(e.target.value === 'true')}>
        <option value="true">{t('cond.yes')}</option>
        <option value="false">{t('cond.no')}</option>
      </select>
    );
  if (kind === 'number') return <input aria-label={label} type="number" step="any" value={typeof value === 'number' ? value : ''} onChange={(e) => onChange(e.target.value === '' ? 0 : Number(e.target.value))} />;
  if (kind === 'date') return <input aria-label={label} type="date" value={String(value ?? '').slice(0, 10)} onChange={(e) => onChange(e.target.value)} />;
  return <input aria-label={label} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />;
}

function ValueInput({ op, field, value, catalog, onChange }: { op?: OperatorInfo; field?: CatalogField; value: unknown; catalog: Catalog; onChange(v: unknown): void }) {
  const { t } = useTranslation('rules');
  const kind = valueKind(field);
  const label = t('cond.value');
  switch (op?.value) {
    case 'list': {
      const list = Array.isArray(value) ? value : [];
      if (kind === 'enum' && field?.values)
        return (
          <span className="cond-checks" role="group" aria-label={label}>
            {field.values.map((v) => (
              <label key={v} className="check">
                <input type="checkbox" checked={list.includes(v)} onChange={(e) => onChange(e.target.checked ? [...list, v] : list.filter((x) => x !== v))} />
                {v}
              </label>
            ))}
          </span>
        );
      return <ListInput kind={kind} value={list} onChange={onChange} label={`${label} (${t('cond.listHint')})`} />;
    }
    case 'range': {
      const [from, to] = Array.isArray(value) ? value : [undefined, undefined];
      return (
        <span className="cond-range">
          <ScalarInput kind={kind} value={from} onChange={(v) => onChange([v, to])} label={t('cond.from')} />
          <span>–</span>
          <ScalarInput kind={kind} value={to} onChange={(v) => onChange([from, v])} label={t('cond.to')} />
        </span>
      );
    }
    case 'percent': {
      const v = (value && typeof value === 'object' ? value : {}) as { percent?: number; of?: { fact: string; path?: string }; comparison?: string };
      const ofField = v.of ? fieldOf(catalog, v.of) : undefined;
      const numeric = { ...catalog, facts: catalog.facts.filter((f) => f.type === 'number') };
      return (
        <span className="cond-percent">
          <select aria-label={t('cond.operator')} value={v.comparison ?? 'gt'} onChange={(e) => onChange({ ...v, comparison: e.target.value })}>
            {(['gt', 'gte', 'lt', 'lte'] as const).map((c) => (
              <option key={c} value={c}>
                {t(`cond.comparison.${c}`)}
              </option>
            ))}
          </select>
          <input aria-label={t('cond.percent')} type="number" step="any" value={v.percent ?? 0} onChange={(e) => onChange({ ...v, percent: Number(e.target.value) })} />
          <span>% {t('cond.of')}</span>
          <FactPicker catalog={numeric} value={ofField?.id ?? v.of?.fact ?? ''} label={t('cond.of')} onPick={(f) => onChange({ ...v, of: f.path ? { fact: f.fact, path: f.path } : { fact: f.fact } })} />
        </span>
      );
    }
    case 'boolean':
      return <ScalarInput kind="boolean" value={value} onChange={onChange} label={label} />;
    case 'element':
      return <ScalarInput kind={kind === 'enum' ? 'enum' : kind} values={field?.values} value={value} onChange={onChange} label={label} />;
    case 'text':
    case 'pattern':
      return <ScalarInput kind="string" value={value} onChange={onChange} label={label} />;
    default:
      return <ScalarInput kind={kind} values={field?.values} value={value} onChange={onChange} label={label} />;
  }
}

/** Comma-separated list; keeps the text while typing, parses on every change. */
function ListInput({ kind, value, onChange, label }: { kind: string; value: unknown[]; onChange(v: unknown[]): void; label: string }) {
  const [text, setText] = useState(value.join(', '));
  return (
    <input
      aria-label={label}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value, kind));
      }}
    />
  );
}
