import { Fragment, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { ApprovalDto, ApprovalKind } from '../../server/contracts/settings';
import { useFormat } from '../i18n/format';
import { api, ApiError } from '../app/api';
import { useMe, useSession } from '../app/session';
import { useLoad } from '../app/use-load';
import { Badge, ErrorBanner, Loading, Notice } from '../app/ui';
import { PUBLISH_PERMISSION } from './model';

type StatusFilter = ApprovalDto['status'] | 'all';
const STATUS_FILTERS: readonly StatusFilter[] = ['pending', 'approved', 'rejected', 'consumed', 'all'];
const STATUS_TONE = { pending: 'warn', approved: 'ok', rejected: 'muted', consumed: 'info' } as const;
type Decision = 'approve' | 'reject';

/** Where the content of a request is edited, when this person may open it there. */
const CONTENT_LINK: Record<ApprovalKind, { path: (key: string) => string; permission: 'workflows.read' | 'rules.read' | 'templates.edit' }> = {
  workflow: { path: (key) => `/workflows/processes/${encodeURIComponent(key)}`, permission: 'workflows.read' },
  ruleSet: { path: (key) => `/rules/${encodeURIComponent(key)}`, permission: 'rules.read' },
  template: { path: () => '/templates', permission: 'templates.edit' },
};

/**
 * Admin > Approvals: four-eyes publish requests. A person who may publish a kind decides its
 * requests; the server refuses the requester's own approval, and that refusal is shown on the row.
 */
export function ApprovalsPanel({ onChanged }: { onChanged?: () => void }) {
  const { t } = useTranslation('approvals');
  const { can } = useSession();
  const format = useFormat();
  const [status, setStatus] = useState<StatusFilter>('pending');
  const [notice, setNotice] = useState<string>();
  const [deciding, setDeciding] = useState<{ id: string; decision: Decision }>();

  // a response to an earlier filter must not overwrite the list of the one chosen since
  const { data: rows, error: loadError, reload: load } = useLoad(() => api.get<ApprovalDto[]>(status === 'all' ? '/api/approvals' : `/api/approvals?status=${status}`), [status]);

  const decided = (row: ApprovalDto, decision: Decision) => {
    setDeciding(undefined);
    const what = { kind: t(`kinds.${row.kind}`), key: row.key };
    setNotice(decision === 'approve' ? t('list.approved', what) : t('list.rejected', what));
    load();
    onChanged?.();
  };

  const anyPending = rows?.some((r) => r.status === 'pending') ?? false;

  return (
    <section className="panel" aria-labelledby="approvals-title">
      <div className="panel-toolbar">
        <h2 id="approvals-title">{t('list.title')}</h2>
        <span className="muted">{t('list.intro')}</span>
        <span className="toolbar-spacer" />
        <div className="segmented" role="group" aria-label={t('list.status')}>
          {STATUS_FILTERS.map((s) => (
            <button key={s} type="button" className={s === status ? 'segment active' : 'segment'} aria-pressed={s === status} onClick={() => setStatus(s)}>
              {t(`list.statuses.${s}`)}
            </button>
          ))}
        </div>
        <button type="button" className="btn" onClick={load}>
          {t('list.refresh')}
        </button>
      </div>
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {loadError ? (
        <ErrorBanner error={loadError} />
      ) : !rows ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p className="empty-state">{status === 'pending' ? t('list.emptyPending') : t('list.empty')}</p>
      ) : (
        <table className="table table-dense">
          <thead>
            <tr>
              <th>{t('list.requested')}</th>
              <th>{t('list.requester')}</th>
              <th>{t('list.kind')}</th>
              <th>{t('list.key')}</th>
              <th>{t('list.summary')}</th>
              <th>{t('list.status')}</th>
              <th>{t('list.decision')}</th>
              {anyPending ? <th className="col-actions">{t('list.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const link = CONTENT_LINK[r.kind];
              const mayDecide = can(PUBLISH_PERMISSION[r.kind]);
              const open = deciding?.id === r.id;
              return (
                <Fragment key={r.id}>
                  <tr data-approval={r.id} data-key={r.key} className={open ? 'row-open' : undefined}>
                    <td className="nowrap" title={format.dateTime(r.requestedAt)}>
                      {format.relative(r.requestedAt)}
                    </td>
                    <td>
                      <Requester email={r.requestedBy} />
                    </td>
                    <td className="nowrap">{t(`kinds.${r.kind}`)}</td>
                    <td className="nowrap">
                      {can(link.permission) ? (
                        <Link to={link.path(r.key)}>
                          <code>{r.key}</code>
                        </Link>
                      ) : (
                        <code>{r.key}</code>
                      )}
                    </td>
                    <td className="cell-summary">{r.summary}</td>
                    <td>
                      <Badge tone={STATUS_TONE[r.status]}>{t(`list.statuses.${r.status}`)}</Badge>
                    </td>
                    <td className="cell-decision">
                      {r.decidedBy && r.decidedAt ? <div>{t('list.decidedBy', { name: r.decidedBy, time: format.dateTime(r.decidedAt) })}</div> : null}
                      {r.comment ? <div className="muted">“{r.comment}”</div> : null}
                    </td>
                    {anyPending ? (
                      <td className="col-actions">
                        {r.status !== 'pending' ? null : mayDecide ? (
                          <span className="inline-confirm">
                            <button type="button" className="btn btn-small" aria-pressed={open && deciding?.decision === 'approve'} onClick={() => setDeciding({ id: r.id, decision: 'approve' })}>
                              {t('list.approve')}
                            </button>
                            <button type="button" className="btn btn-small btn-danger" aria-pressed={open && deciding?.decision === 'reject'} onClick={() => setDeciding({ id: r.id, decision: 'reject' })}>
                              {t('list.reject')}
                            </button>
                          </span>
                        ) : (
                          <span className="muted" title={t('list.notAllowed', { kind: t(`kindsLower.${r.kind}`) })}>
                            —
                          </span>
                        )}
                      </td>
                    ) : null}
                  </tr>
                  {open && deciding ? (
                    <tr className="decision-row">
                      <td colSpan={anyPending ? 8 : 7}>
                        <DecisionForm row={r} decision={deciding.decision} onCancel={() => setDeciding(undefined)} onDone={() => decided(r, deciding.decision)} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Requester({ email }: { email: string }) {
  const { t } = useTranslation('approvals');
  const { user } = useMe();
  return (
    <>
      {email}
      {email === user.email ? <span className="muted"> {t('list.you')}</span> : null}
    </>
  );
}

/** Comment and confirm for one decision; the server's refusal stays on the row, explained. */
function DecisionForm({ row, decision, onCancel, onDone }: { row: ApprovalDto; decision: Decision; onCancel: () => void; onDone: () => void }) {
  const { t } = useTranslation('approvals');
  const { user } = useMe();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post<ApprovalDto>(`/api/approvals/${row.id}/${decision}`, comment.trim() ? { comment: comment.trim() } : {});
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const refusal = explainRefusal(error, row, user.email);
  return (
    <form className="decision-form" onSubmit={(e) => void submit(e)} aria-label={decision === 'approve' ? t('list.confirmApprove') : t('list.confirmReject')}>
      {error ? (
        refusal ? (
          <div className="banner banner-error" role="alert">
            <span>{t(refusal.key, { kind: t(`kindsLower.${row.kind}`) })}</span>
            {error instanceof ApiError ? <span className="banner-detail">{error.title}</span> : null}
          </div>
        ) : (
          <ErrorBanner error={error} />
        )
      ) : null}
      <div className="decision-fields">
        <label className="field decision-comment">
          <span>{t('list.comment')}</span>
          <input value={comment} maxLength={1000} onChange={(e) => setComment(e.target.value)} placeholder={t('list.commentHint')} autoFocus />
        </label>
        <button type="submit" className={decision === 'approve' ? 'btn btn-primary' : 'btn btn-danger'} disabled={busy}>
          {busy ? t('list.deciding') : decision === 'approve' ? t('list.confirmApprove') : t('list.confirmReject')}
        </button>
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t('common:actions.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The known refusals of POST /api/approvals/:id/(approve|reject), as translated sentences. */
function explainRefusal(error: unknown, row: ApprovalDto, me: string): { key: string } | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.status === 403 && row.requestedBy === me) return { key: 'list.ownRequest' };
  if (error.status === 403) return { key: 'list.notAllowed' };
  if (error.status === 409) return { key: 'list.alreadyDecided' };
  return undefined;
}
