/**
 * The e-mail behind a "needs data entry" task (process mail-data-entry, business key mail:<draft id>):
 * sender, subject, why the intake could not read it, what it refused in the last entry, the text,
 * and the attachments and the original message as downloads.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../app/api';
import { ErrorBanner, Loading } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import messages from './mail.i18n';

registerMessages(messages);

export const MAIL_ENTRY_PROCESS = 'mail-data-entry';

/** The draft id of a mail-data-entry task, else undefined. */
export function mailDraftOf(task: { processKey: string; businessKey: string | null }): string | undefined {
  return task.processKey === MAIL_ENTRY_PROCESS && task.businessKey?.startsWith('mail:') ? task.businessKey.slice(5) : undefined;
}

/** GET /api/intake/drafts/:id (server/intake/drafts.service.ts DraftView) */
interface MailDraft {
  id: string;
  status: 'open' | 'resolved' | 'discarded' | 'rejected';
  source: { from?: string; subject?: string; messageId?: string; receivedAt: string };
  problems: Array<{ path: string; message: string }>;
  entryProblems?: Array<{ path: string; message: string }>;
  text?: string;
  attachments: Array<{ name: string; contentType: string; size: number }>;
  orderNumber?: string;
  resolvedBy?: string;
  rejectReason?: string;
}

function Issues({ items }: { items: MailDraft['problems'] }) {
  return (
    <ul className="mail-problems">
      {items.map((p, i) => (
        <li key={`${p.path}-${i}`}>
          <span className="mono">{p.path}</span>: {p.message}
        </li>
      ))}
    </ul>
  );
}

export function MailPanel({ draftId, version }: { draftId: string; version: number }) {
  const { t } = useTranslation('mailEntry');
  const format = useFormat();
  const [mail, setMail] = useState<MailDraft>();
  const [error, setError] = useState<unknown>();
  // reloaded when the task changes (a refused entry brings the task back with new problems)
  useEffect(() => {
    api.get<MailDraft>(`/api/intake/drafts/${encodeURIComponent(draftId)}`).then(setMail, setError);
  }, [draftId, version]);
  if (error) return <ErrorBanner error={error} />;
  if (!mail) return <Loading />;
  const base = `/api/intake/drafts/${encodeURIComponent(mail.id)}`;
  return (
    <section className="form-card mail-panel" aria-labelledby="mail-title" data-draft={mail.id} data-draft-status={mail.status}>
      <h2 id="mail-title">{t('title')}</h2>
      {mail.status === 'resolved' && mail.orderNumber ? (
        <p className="banner banner-ok">
          <Link to={`/orders/${mail.orderNumber}`}>{t('settled.resolved', { number: mail.orderNumber })}</Link>
        </p>
      ) : mail.status !== 'open' ? (
        <p className="banner banner-warn">{t(`settled.${mail.status}`, { by: mail.resolvedBy ?? '—', reason: mail.rejectReason ?? '—', number: mail.orderNumber ?? '' })}</p>
      ) : null}
      <dl className="kv">
        <dt>{t('from')}</dt>
        <dd className="mail-from">{mail.source.from ?? '—'}</dd>
        <dt>{t('subject')}</dt>
        <dd className="mail-subject strong">{mail.source.subject || t('noSubject')}</dd>
        <dt>{t('received')}</dt>
        <dd>{format.dateTime(mail.source.receivedAt)}</dd>
      </dl>
      {mail.entryProblems?.length ? (
        <div className="banner banner-error mail-refused" role="alert">
          {t('refused')}
          <Issues items={mail.entryProblems} />
        </div>
      ) : null}
      <h3 className="section-title">{t('problems')}</h3>
      <Issues items={mail.problems} />
      <h3 className="section-title">{t('text')}</h3>
      {mail.text ? (
        <pre className="mail-body" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxHeight: 420, overflow: 'auto', margin: 0 }}>
          {mail.text}
        </pre>
      ) : (
        <p className="muted">{t('noText')}</p>
      )}
      <h3 className="section-title">{t('attachments')}</h3>
      {mail.attachments.length ? (
        <ul className="attachment-list">
          {mail.attachments.map((a, i) => (
            <li key={`${a.name}-${i}`}>
              <a href={`${base}/attachments/${i}`} download={a.name}>
                {a.name}
              </a>{' '}
              <span className="muted">
                {a.contentType} · {format.number(Math.max(1, Math.ceil(a.size / 1024)))} KB
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('noAttachments')}</p>
      )}
      <p>
        <a href={`${base}/original`} download>
          {t('original')}
        </a>
      </p>
    </section>
  );
}
