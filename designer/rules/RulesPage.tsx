/**
 * The rule builder: list of rule sets; per rule set a condition-tree editor with priority order,
 * outcome editor, decision-table view, JSON view (round trip), test panel and versions; save the
 * draft, publish (refused while a test case fails).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { RuleOutcome, RuleSetDocument, RuleSetKind } from '../../workflows/model/rule-set';
import { api, type FieldIssue } from '../app/api';
import { useSession } from '../app/session';
import { Badge, ErrorBanner, Field, Loading, Notice, PageHeader } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import { ConditionNode, FactPicker } from './ConditionEditor';
import messages from './i18n';
import { byPriority, fieldOf, formatValue, newLeaf, reorder, tableShape, type Catalog } from './model';
import { TestPanel } from './TestPanel';
import { useAction } from './useAction';
import './rules.css';

registerMessages(messages);

interface Summary {
  key: string;
  name: string;
  kind: RuleSetKind;
  latestVersion: number | null;
  draft: { rev: number; updatedAt: string } | null;
  draftUnchanged: boolean;
}
interface Detail {
  key: string;
  draft: { doc: RuleSetDocument; rev: number } | null;
  latest: { version: number; doc: RuleSetDocument } | null;
  versions: Array<{ version: number; publishedAt: string; publishedBy: string; note?: string }>;
}

export default function RulesPage() {
  return (
    <Routes>
      <Route index element={<RuleSetList />} />
      <Route path=":key" element={<RuleSetEditor />} />
    </Routes>
  );
}

function RuleSetList() {
  const { t } = useTranslation('rules');
  const { can } = useSession();
  const navigate = useNavigate();
  const [list, setList] = useState<Summary[]>();
  const [error, setError] = useState<unknown>();
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ key: '', name: '', kind: 'review' as RuleSetKind });

  useEffect(() => {
    api.get<Summary[]>('/api/rule-sets').then(setList, setError);
  }, []);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.post('/api/rule-sets', { ...form, hitPolicy: 'first', rules: [], defaultOutcome: { type: 'approve', params: {} }, testCases: [] });
      navigate(`/rules/${form.key}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('title')}>
        {can('rules.edit') ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            {t('list.create')}
          </button>
        ) : null}
      </PageHeader>
      <ErrorBanner error={error} />
      {creating ? (
        <form className="form-card" onSubmit={create}>
          <h3>{t('create.title')}</h3>
          <div className="form-grid">
            <Field label={t('create.key')}>{(id) => <input id={id} required pattern="[a-z][a-z0-9-]{1,62}" value={form.key} onChange={(e) => setForm({ ...form, key: e.target.value })} />}</Field>
            <Field label={t('create.name')}>{(id) => <input id={id} required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
            <Field label={t('create.kind')}>
              {(id) => (
                <select id={id} value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as RuleSetKind })}>
                  {(['review', 'allocation', 'other'] as const).map((k) => (
                    <option key={k} value={k}>
                      {t(`kinds.${k}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {t('create.submit')}
            </button>
            <button type="button" className="btn" onClick={() => setCreating(false)}>
              {t('create.cancel')}
            </button>
          </div>
        </form>
      ) : null}
      {!list ? (
        error ? null : <Loading />
      ) : list.length === 0 ? (
        <p className="empty-state">{t('list.empty')}</p>
      ) : (
        <table className="table">
          <caption className="section-title">{t('list.heading')}</caption>
          <thead>
            <tr>
              <th>{t('list.key')}</th>
              <th>{t('list.name')}</th>
              <th>{t('list.kind')}</th>
              <th>{t('list.latest')}</th>
              <th>{t('list.draft')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.key}>
                <td>
                  <Link to={`/rules/${s.key}`}>{s.key}</Link>
                </td>
                <td>{s.name}</td>
                <td>{t(`kinds.${s.kind}`)}</td>
                <td>{s.latestVersion ? t('list.version', { version: s.latestVersion }) : t('list.none')}</td>
                <td>{s.draft ? <Badge tone={s.draftUnchanged ? 'muted' : 'warn'}>{s.draftUnchanged ? t('list.draftSame') : t('list.draftChanged')}</Badge> : t('list.none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

type Tab = 'rules' | 'table' | 'json' | 'test' | 'versions';

function RuleSetEditor() {
  const { key = '' } = useParams();
  const { t } = useTranslation('rules');
  const { can } = useSession();
  const [detail, setDetail] = useState<Detail>();
  const [catalog, setCatalog] = useState<Catalog>();
  const [doc, setDoc] = useState<RuleSetDocument>();
  const [dirty, setDirty] = useState(false);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [tab, setTab] = useState<Tab>('rules');
  const [loadError, setLoadError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [note, setNote] = useState('');
  const clearNotice = useCallback(() => setNotice(undefined), []);
  const { busy, error, setError, run: act } = useAction(clearNotice);

  const load = useCallback(async () => {
    const d = await api.get<Detail>(`/api/rule-sets/${key}`);
    setDetail(d);
    setDoc(d.draft?.doc ?? d.latest?.doc);
    setDirty(false);
  }, [key]);
  useEffect(() => {
    Promise.all([load(), api.get<Catalog>('/api/rules/catalog').then(setCatalog)]).catch(setLoadError);
  }, [load]);

  // inline validation of the working copy, shortly after each change
  const seq = useRef(0);
  useEffect(() => {
    if (!doc || !can('rules.edit')) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api.post<{ issues: FieldIssue[] }>('/api/rule-sets/validate', doc).then(
        (r) => mine === seq.current && setIssues(r.issues),
        () => undefined,
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [doc, can]);

  const edit = (next: RuleSetDocument) => {
    setDoc(next);
    setDirty(true);
  };
  const save = () =>
    act(async () => {
      const r = await api.put<{ rev: number }>(`/api/rule-sets/${key}/draft${detail?.draft ? `?rev=${detail.draft.rev}` : ''}`, doc);
      await load();
      setNotice(t('editor.saved', { rev: r.rev }));
    });
  const publish = () =>
    act(async () => {
      if (dirty) await api.put(`/api/rule-sets/${key}/draft${detail?.draft ? `?rev=${detail.draft.rev}` : ''}`, doc);
      const r = await api.post<{ version: number }>(`/api/rule-sets/${key}/publish`, note ? { note } : {});
      await load();
      setNote('');
      setNotice(t('editor.published', { version: r.version }));
    });
  const discard = () =>
    act(async () => {
      if (!window.confirm(t('editor.confirmDiscard'))) return;
      await api.delete(`/api/rule-sets/${key}/draft`);
      await load();
      setNotice(t('editor.discarded'));
    });

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!detail || !doc || !catalog) return <Loading />;
  const editable = can('rules.edit');

  return (
    <div className="page rules-editor">
      <PageHeader title={`${doc.name} (${key})`}>
        <Link to="/rules">{t('editor.back')}</Link>
        {editable ? (
          <>
            <button type="button" className="btn" disabled={busy || !dirty} onClick={save}>
              {t('editor.save')}
            </button>
            {detail.draft ? (
              <button type="button" className="btn" disabled={busy} onClick={discard}>
                {t('editor.discard')}
              </button>
            ) : null}
          </>
        ) : null}
        {can('rules.publish') ? (
          <>
            <input aria-label={t('editor.publishNote')} placeholder={t('editor.publishNote')} value={note} onChange={(e) => setNote(e.target.value)} />
            <button type="button" className="btn btn-primary" disabled={busy} onClick={publish}>
              {t('editor.publish')}
            </button>
          </>
        ) : null}
      </PageHeader>
      <p className="muted">
        {detail.latest ? t('editor.latest', { version: detail.latest.version }) : t('editor.notPublished')}
        {dirty ? <> · <Badge tone="warn">{t('editor.unsaved')}</Badge></> : null}
        {' · '}
        {issues.length ? <Badge tone="warn">{t('editor.problems', { count: issues.length })}</Badge> : <Badge tone="ok">{t('editor.valid')}</Badge>}
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {issues.length ? (
        <details className="rule-issue-list">
          <summary>{t('editor.problems', { count: issues.length })}</summary>
          <ul>
            {issues.map((i) => (
              <li key={i.path + i.message}>
                <code>{i.path}</code> {i.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      <nav className="tabs" role="tablist" aria-label={t('title')}>
        {(['rules', 'table', 'json', 'test', 'versions'] as const).map((id) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} onClick={() => setTab(id)}>
            {t(`tabs.${id}`)}
          </button>
        ))}
      </nav>

      {tab === 'rules' ? <RulesTab doc={doc} catalog={catalog} issues={issues} onChange={edit} /> : null}
      {tab === 'table' ? <DecisionTable doc={doc} /> : null}
      {tab === 'json' ? <JsonTab doc={doc} onApply={edit} /> : null}
      {tab === 'test' ? <TestPanel ruleSetKey={key} doc={doc} /> : null}
      {tab === 'versions' ? <Versions detail={detail} /> : null}
    </div>
  );
}

function RulesTab({ doc, catalog, issues, onChange }: { doc: RuleSetDocument; catalog: Catalog; issues: FieldIssue[]; onChange(d: RuleSetDocument): void }) {
  const { t } = useTranslation('rules');
  const [dragFrom, setDragFrom] = useState<number>();
  const ordered = byPriority(doc.rules);
  const setRule = (index: number, rule: RuleSetDocument['rules'][number]) => onChange({ ...doc, rules: doc.rules.map((r, i) => (i === index ? rule : r)) });
  const move = (from: number, to: number) => to >= 0 && to < ordered.length && onChange({ ...doc, rules: reorder(doc.rules, from, to) });
  const addRule = () => {
    const first = catalog.facts.find((f) => f.id === 'orderTotal') ?? catalog.facts[0];
    const priority = Math.max(0, ...doc.rules.map((r) => r.priority)) + 10;
    onChange({ ...doc, rules: [...doc.rules, { name: `rule-${doc.rules.length + 1}`, priority, conditions: { all: [newLeaf(catalog, first)] }, event: { type: 'manual', params: {} } }] });
  };

  return (
    <div>
      <div className="form-grid">
        <Field label={t('editor.name')}>{(id) => <input id={id} value={doc.name} onChange={(e) => onChange({ ...doc, name: e.target.value })} />}</Field>
        <Field label={t('editor.hitPolicy')}>
          {(id) => (
            <select id={id} value={doc.hitPolicy} onChange={(e) => onChange({ ...doc, hitPolicy: e.target.value as RuleSetDocument['hitPolicy'] })}>
              {(['first', 'collect', 'unique'] as const).map((h) => (
                <option key={h} value={h}>
                  {t(`hitPolicies.${h}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('editor.description')}>{(id) => <input id={id} value={doc.description ?? ''} onChange={(e) => onChange({ ...doc, description: e.target.value || undefined })} />}</Field>
      </div>

      <ol className="rule-list">
        {ordered.map(({ rule, index }, position) => (
          <li
            key={index}
            className="rule-card"
            draggable
            onDragStart={() => setDragFrom(position)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={() => {
              if (dragFrom !== undefined) move(dragFrom, position);
              setDragFrom(undefined);
            }}
            data-rule={rule.name}
          >
            <div className="rule-head">
              <span className="drag-handle" title={t('rule.drag')} aria-hidden="true">
                ⋮⋮
              </span>
              <input aria-label={t('rule.name')} className="rule-name" value={rule.name} onChange={(e) => setRule(index, { ...rule, name: e.target.value })} />
              <label className="inline-field">
                {t('rule.priority')}
                <input type="number" min={1} value={rule.priority} onChange={(e) => setRule(index, { ...rule, priority: Number(e.target.value) })} />
              </label>
              <label className="check">
                <input type="checkbox" checked={rule.enabled !== false} onChange={(e) => setRule(index, { ...rule, enabled: e.target.checked ? undefined : false })} />
                {t('rule.enabled')}
              </label>
              <button type="button" className="btn btn-small" onClick={() => move(position, position - 1)} disabled={position === 0}>
                {t('rule.up')}
              </button>
              <button type="button" className="btn btn-small" onClick={() => move(position, position + 1)} disabled={position === ordered.length - 1}>
                {t('rule.down')}
              </button>
              <button type="button" className="btn btn-small btn-danger" onClick={() => onChange({ ...doc, rules: doc.rules.filter((_, i) => i !== index) })}>
                {t('rule.remove')}
              </button>
            </div>
            <div className="rule-when">
              <strong>{t('rule.when')}</strong>
              <ConditionNode root node={rule.conditions} path={`rules.${index}.conditions`} catalog={catalog} issues={issues} onChange={(c) => setRule(index, { ...rule, conditions: c as typeof rule.conditions })} />
            </div>
            <div className="rule-then">
              <strong>{t('rule.then')}</strong>
              <OutcomeEditor outcome={rule.event} catalog={catalog} allowFacts onChange={(event) => setRule(index, { ...rule, event })} />
            </div>
          </li>
        ))}
      </ol>
      <button type="button" className="btn" onClick={addRule}>
        {t('rule.add')}
      </button>

      <section className="rule-card">
        <h3>{t('editor.defaultOutcome')}</h3>
        <OutcomeEditor outcome={doc.defaultOutcome} catalog={catalog} onChange={(defaultOutcome) => onChange({ ...doc, defaultOutcome })} />
      </section>
    </div>
  );
}

const isFactRef = (v: unknown): v is { fact: string; path?: string } => !!v && typeof v === 'object' && typeof (v as { fact?: unknown }).fact === 'string';
const literal = (text: string): unknown => {
  if (text === 'true' || text === 'false') return text === 'true';
  return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
};

function OutcomeEditor({ outcome, catalog, onChange, allowFacts }: { outcome: RuleOutcome; catalog: Catalog; onChange(o: RuleOutcome): void; allowFacts?: boolean }) {
  const { t } = useTranslation('rules');
  const entries = Object.entries(outcome.params ?? {});
  const setEntries = (next: Array<[string, unknown]>) => onChange({ ...outcome, params: Object.fromEntries(next) });
  return (
    <div className="outcome">
      <label className="inline-field">
        {t('rule.decision')}
        <input value={outcome.type} onChange={(e) => onChange({ ...outcome, type: e.target.value })} />
      </label>
      <table className="table outcome-params">
        <caption className="muted">{t('rule.params')}</caption>
        <tbody>
          {entries.map(([name, value], i) => (
            <tr key={i}>
              <td>
                <input aria-label={t('rule.paramName')} value={name} onChange={(e) => setEntries(entries.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))} />
              </td>
              <td>
                {allowFacts ? (
                  <select
                    aria-label={t('rule.paramValue')}
                    value={isFactRef(value) ? 'fact' : 'literal'}
                    onChange={(e) => setEntries(entries.map((x, j) => (j === i ? [x[0], e.target.value === 'fact' ? { fact: 'orderTotal' } : ''] : x)))}
                  >
                    <option value="literal">{t('rule.literal')}</option>
                    <option value="fact">{t('rule.fromFact')}</option>
                  </select>
                ) : null}
              </td>
              <td>
                {isFactRef(value) ? (
                  <FactPicker
                    catalog={catalog}
                    value={fieldOf(catalog, value)?.id ?? value.fact}
                    label={t('rule.paramValue')}
                    onPick={(f) => setEntries(entries.map((x, j) => (j === i ? [x[0], f.path ? { fact: f.fact, path: f.path } : { fact: f.fact }] : x)))}
                  />
                ) : (
                  <input aria-label={t('rule.paramValue')} value={formatValue(value)} onChange={(e) => setEntries(entries.map((x, j) => (j === i ? [x[0], literal(e.target.value)] : x)))} />
                )}
              </td>
              <td>
                <button type="button" className="btn btn-small btn-danger" aria-label={t('rule.removeParam')} onClick={() => setEntries(entries.filter((_, j) => j !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="btn btn-small" onClick={() => setEntries([...entries, [`param${entries.length + 1}`, '']])}>
        {t('rule.addParam')}
      </button>
    </div>
  );
}

function DecisionTable({ doc }: { doc: RuleSetDocument }) {
  const { t } = useTranslation('rules');
  const shape = useMemo(() => tableShape(doc), [doc]);
  if (!shape) return <p className="empty-state">{t('table.notTabular')}</p>;
  const rows = byPriority(doc.rules);
  return (
    <div className="table-scroll">
      <table className="table decision-table">
        <thead>
          <tr>
            <th>{t('table.priority')}</th>
            <th>{t('table.rule')}</th>
            {shape.columns.map((c) => (
              <th key={c.key}>
                <code>{c.label}</code>
              </th>
            ))}
            <th>{t('table.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ rule, index }) => {
            const cells = shape.rows.find((r) => r.index === index)?.cells ?? {};
            return (
              <tr key={index}>
                <td>{rule.priority}</td>
                <td>{rule.name}</td>
                {shape.columns.map((c) => (
                  <td key={c.key}>{(cells[c.key] ?? []).map((l) => `${t(`ops.${l.operator}`)} ${formatValue(l.value)}`).join(' ∧ ') || '–'}</td>
                ))}
                <td>
                  <strong>{rule.event.type}</strong> {Object.entries(rule.event.params ?? {}).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function JsonTab({ doc, onApply }: { doc: RuleSetDocument; onApply(d: RuleSetDocument): void }) {
  const { t } = useTranslation('rules');
  const [text, setText] = useState(() => JSON.stringify(doc, null, 2));
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  return (
    <div>
      <textarea className="json-text" aria-label={t('tabs.json')} rows={30} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => {
            try {
              const parsed = JSON.parse(text) as Partial<RuleSetDocument> | null;
              // the editor needs the shape; everything else is for the inline validation to name
              if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.rules) || !parsed.defaultOutcome || typeof parsed.defaultOutcome !== 'object') {
                setMessage({ ok: false, text: t('json.notRuleSet') });
                return;
              }
              onApply(parsed as RuleSetDocument);
              setMessage({ ok: true, text: t('json.applied') });
            } catch (err) {
              setMessage({ ok: false, text: t('json.invalid', { message: (err as Error).message }) });
            }
          }}
        >
          {t('json.apply')}
        </button>
        {message ? <span className={message.ok ? 'muted' : 'field-error'} role="status">{message.text}</span> : null}
      </div>
    </div>
  );
}

function Versions({ detail }: { detail: Detail }) {
  const { t } = useTranslation('rules');
  const format = useFormat();
  return (
    <table className="table">
      <thead>
        <tr>
          <th>{t('versions.version')}</th>
          <th>{t('versions.publishedAt')}</th>
          <th>{t('versions.publishedBy')}</th>
          <th>{t('versions.note')}</th>
        </tr>
      </thead>
      <tbody>
        {detail.versions.map((v) => (
          <tr key={v.version}>
            <td>{v.version}</td>
            <td>{format.dateTime(v.publishedAt)}</td>
            <td>{v.publishedBy}</td>
            <td>{v.note ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
