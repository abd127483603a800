import { Fragment, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { UserDto } from '../../server/contracts/auth';
import { useFormat } from '../i18n/format';
import { api } from '../app/api';
import { useSession } from '../app/session';
import { Badge, ErrorBanner, Field, Loading } from '../app/ui';
import {
  AUDIT_LIMITS,
  auditApiQuery,
  diffSnapshots,
  EMPTY_AUDIT_FILTERS,
  filtersFromParams,
  filtersToParams,
  nextLimit,
  OUTCOMES,
  type AuditEntryDto,
  type AuditFilters,
  type DiffRow,
} from './model';

/** Prefixes offered in the action box; any exact action or other prefix can be typed. */
const ACTION_PREFIXES = ['auth.*', 'user.*', 'apiKey.*', 'settings.*', 'approval.*', 'workflow.*', 'ruleSet.*', 'template.*', 'connector.*', 'credential.*', 'order.*', 'print.*', 'webhook.*'];
const OUTCOME_TONE = { ok: 'ok', denied: 'warn', failed: 'warn' } as const;

/**
 * Admin > Audit log: filters kept in the address bar (a filtered view can be linked), a dense
 * table newest first, each entry's before/after as a field diff, and the same filters as CSV.
 */
export function AuditPanel() {
  const { t } = useTranslation('audit');
  const { can } = useSession();
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => filtersFromParams(params), [params]);
  const [draft, setDraft] = useState<AuditFilters>(applied.filters);
  const [rows, setRows] = useState<AuditEntryDto[]>();
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const [emails, setEmails] = useState<string[]>([]);
  const listId = useId();
  const query = auditApiQuery(applied.filters, applied.limit);
  // seconds matter when reading a trail
  const stamp = useMemo(() => new Intl.DateTimeFormat(format.locale, { dateStyle: 'medium', timeStyle: 'medium' }), [format.locale]);

  useEffect(() => setDraft(applied.filters), [applied]);

  useEffect(() => {
    const ask = new AbortController();
    setError(undefined);
    setOpen(new Set());
    api
      .get<AuditEntryDto[]>(`/api/audit?${query}`, { signal: ask.signal })
      .then(setRows)
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      });
    return () => ask.abort();
  }, [query]);

  // actor suggestions: the users' e-mails, when this admin may list users
  useEffect(() => {
    if (!can('users.read')) return;
    api
      .get<UserDto[]>('/api/users')
      .then((users) => setEmails(users.map((u) => u.email)))
      .catch(() => undefined);
  }, [can]);

  const apply = (filters: AuditFilters, limit = applied.limit) => setParams(filtersToParams(filters, limit));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const set = (patch: Partial<AuditFilters>) => setDraft((d) => ({ ...d, ...patch }));
  const toggle = (i: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(i)) next.add(i);
      return next;
    });
  const more = rows ? nextLimit(applied.limit, rows.length) : undefined;

  return (
    <section className="panel" aria-labelledby="audit-title">
      <div className="panel-toolbar">
        <h2 id="audit-title">{t('title')}</h2>
        <span className="muted">{t('intro')}</span>
        <span className="toolbar-spacer" />
        <a className="btn" href={`/api/audit?${auditApiQuery(applied.filters, applied.limit, 'csv')}`} download="ordo-audit.csv" title={t('exportHint')} data-testid="audit-export">
          {t('exportCsv')}
        </a>
      </div>

      <form className="filter-bar" onSubmit={submit} aria-label={t('filters')}>
        <Field label={t('action')}>
          {(id) => <input id={id} placeholder="user.*" title={t('actionHint')} list={`${listId}-actions`} value={draft.action} onChange={(e) => set({ action: e.target.value })} autoComplete="off" spellCheck={false} />}
        </Field>
        <datalist id={`${listId}-actions`}>
          {ACTION_PREFIXES.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label={t('actor')}>
          {(id) => <input id={id} placeholder={t('actorPlaceholder')} title={t('actorHint')} list={`${listId}-actors`} value={draft.actor} onChange={(e) => set({ actor: e.target.value })} autoComplete="off" spellCheck={false} />}
        </Field>
        <datalist id={`${listId}-actors`}>
          {emails.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <Field label={t('targetId')}>{(id) => <input id={id} value={draft.targetId} onChange={(e) => set({ targetId: e.target.value })} autoComplete="off" spellCheck={false} />}</Field>
        <Field label={t('outcome')}>
          {(id) => (
            <select id={id} value={draft.outcome} onChange={(e) => set({ outcome: e.target.value as AuditFilters['outcome'] })}>
              <option value="">{t('anyOutcome')}</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`outcomes.${o}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('from')}>{(id) => <input id={id} type="date" value={draft.from} max={draft.to || undefined} onChange={(e) => set({ from: e.target.value })} />}</Field>
        <Field label={t('to')}>{(id) => <input id={id} type="date" value={draft.to} min={draft.from || undefined} onChange={(e) => set({ to: e.target.value })} />}</Field>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            {t('apply')}
          </button>
          <button type="button" className="btn" onClick={() => apply(EMPTY_AUDIT_FILTERS)}>
            {t('reset')}
          </button>
        </div>
      </form>

      {error ? <ErrorBanner error={error} /> : !rows ? <Loading /> : rows.length === 0 ? (
        <p className="empty-state">{t('empty')}</p>
      ) : (
        <>
          <table className="table table-dense audit-table">
            <thead>
              <tr>
                <th>{t('time')}</th>
                <th>{t('actor')}</th>
                <th>{t('action')}</th>
                <th>{t('target')}</th>
                <th>{t('outcome')}</th>
                <th>{t('ip')}</th>
                <th className="col-actions">
                  <span className="visually-hidden">{t('details')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const hasDetails = r.before !== undefined || r.after !== undefined;
                const expanded = open.has(i);
                const target = r.target.label && r.target.label !== r.target.id ? r.target.label : undefined;
                return (
                  <Fragment key={i}>
                    <tr data-action={r.action} data-target-id={r.target.id} className={expanded ? 'row-open' : undefined}>
                      <td className="nowrap" title={r.at}>
                        {stamp.format(new Date(r.at))}
                      </td>
                      <td>
                        <button type="button" className="cell-link" title={t('filterBy', { value: r.actor.label })} onClick={() => apply({ ...applied.filters, actor: r.actor.label })}>
                          {r.actor.kind === 'anonymous' ? t('actors.anonymous') : r.actor.label}
                        </button>
                      </td>
                      <td>
                        <code>{r.action}</code>
                      </td>
                      <td>
                        <span className="muted">{r.target.type}</span>{' '}
                        <button type="button" className="cell-link" title={t('filterBy', { value: r.target.id })} onClick={() => apply({ ...applied.filters, targetId: r.target.id })}>
                          {target ?? r.target.id}
                        </button>
                      </td>
                      <td>
                        <Badge tone={OUTCOME_TONE[r.outcome]}>{t(`outcomes.${r.outcome}`)}</Badge>
                      </td>
                      <td className="muted nowrap">{r.ip ?? ''}</td>
                      <td className="col-actions">
                        {hasDetails ? (
                          <button
                            type="button"
                            className="btn btn-small"
                            aria-expanded={expanded}
                            aria-label={expanded ? t('hideDetails') : t('showDetails', { action: r.action, time: stamp.format(new Date(r.at)) })}
                            onClick={() => toggle(i)}
                          >
                            {t('details')} {expanded ? '▴' : '▾'}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                    {expanded ? (
                      <tr className="audit-detail">
                        <td colSpan={7}>
                          <SnapshotDiff rows={diffSnapshots(r.before, r.after)} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted" data-testid="audit-count">
              {rows.length < applied.limit ? t('count', { count: rows.length }) : t('shown', { count: rows.length })}
            </span>
            <label className="inline-select">
              <span className="muted">{t('limit')}</span>
              <select value={applied.limit} onChange={(e) => apply(applied.filters, Number(e.target.value))}>
                {AUDIT_LIMITS.map((l) => (
                  <option key={l} value={l}>
                    {t('limitOption', { count: l })}
                  </option>
                ))}
              </select>
            </label>
            {more ? (
              <button type="button" className="btn btn-small" onClick={() => apply(applied.filters, more)}>
                {t('showMore', { count: more })}
              </button>
            ) : rows.length >= applied.limit ? (
              <span className="muted">{t('capped')}</span>
            ) : null}
          </div>
        </>
      )}
    </section>
  );
}

/** Before/after field by field; unchanged fields fold away when something did change. */
function SnapshotDiff({ rows }: { rows: DiffRow[] }) {
  const { t } = useTranslation('audit');
  const [showSame, setShowSame] = useState(false);
  if (rows.length === 0) return <p className="muted">{t('diff.nothing')}</p>;
  const same = rows.filter((r) => r.change === 'same');
  const changed = rows.length - same.length;
  const visible = showSame || changed === 0 ? rows : rows.filter((r) => r.change !== 'same');
  return (
    <div className="diff">
      {changed === 0 ? <p className="muted">{t('diff.noChange')}</p> : null}
      <table className="diff-table">
        <thead>
          <tr>
            <th>{t('diff.field')}</th>
            <th>{t('diff.before')}</th>
            <th>{t('diff.after')}</th>
          </tr>
        </thead>
        <tbody>
          {visible.map((r) => (
            <tr key={r.path} className={`diff-${r.change}`} data-field={r.path} title={t(`diff.change.${r.change}`)}>
              <th scope="row">
                <code>{r.path || t('diff.value')}</code>
              </th>
              <td className="diff-before">{r.before ?? ''}</td>
              <td className="diff-after">{r.after ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {changed > 0 && same.length > 0 ? (
        <button type="button" className="link-button" onClick={() => setShowSame((v) => !v)}>
          {showSame ? t('diff.hideSame') : t('diff.showSame', { count: same.length })}
        </button>
      ) : null}
    </div>
  );
}
