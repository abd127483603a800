import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApprovalKind, Settings } from '../../server/contracts/settings';
import { api } from '../app/api';
import { ErrorBanner, Loading, Notice } from '../app/ui';
import { PUBLISH_PERMISSION } from './model';

// from the record, so a new kind cannot be left out (a value import of the contract would bundle zod)
const KINDS = Object.keys(PUBLISH_PERMISSION) as ApprovalKind[];

/** Admin > Settings: four-eyes publishing per kind of content. */
export function SettingsPanel() {
  const { t } = useTranslation('approvals');
  const [saved, setSaved] = useState<Settings>();
  const [draft, setDraft] = useState<Settings>();
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .get<Settings>('/api/settings')
      .then((s) => {
        setSaved(s);
        setDraft(s);
      })
      .catch(setLoadError);
  }, []);

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!saved || !draft) return <Loading />;
  const dirty = JSON.stringify(saved) !== JSON.stringify(draft);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const next = await api.put<Settings>('/api/settings', draft);
      setSaved(next);
      setDraft(next);
      setNotice(t('settings.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="settings-title">
      <div className="panel-toolbar">
        <h2 id="settings-title">{t('settings.title')}</h2>
      </div>
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      <form className="form-card settings-card" onSubmit={(e) => void submit(e)} aria-labelledby="four-eyes-title">
        <h3 id="four-eyes-title">{t('settings.fourEyes')}</h3>
        <p className="muted settings-intro">{t('settings.fourEyesIntro')}</p>
        <div className="switch-list">
          {KINDS.map((kind) => {
            const on = draft.fourEyes[kind];
            return (
              <label key={kind} className="switch-row" data-kind={kind}>
                <input
                  type="checkbox"
                  role="switch"
                  className="switch"
                  checked={on}
                  disabled={busy}
                  onChange={(e) => setDraft({ ...draft, fourEyes: { ...draft.fourEyes, [kind]: e.target.checked } })}
                />
                <span className="switch-text">
                  <span className="switch-label">{t(`kinds.${kind}`)}</span>
                  <span className="field-hint">{t(`settings.kindHint.${kind}`)}</span>
                </span>
                <span className={on ? 'switch-state switch-on' : 'switch-state'}>{on ? t('settings.on') : t('settings.off')}</span>
              </label>
            );
          })}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !dirty} title={dirty ? undefined : t('settings.unchanged')}>
            {busy ? t('settings.saving') : t('settings.save')}
          </button>
          {dirty ? (
            <button type="button" className="btn" disabled={busy} onClick={() => setDraft(saved)}>
              {t('common:actions.cancel')}
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
