/**
 * Print templates: the list, and the GrapesJS designer for one template (paper size and margins on
 * the canvas, data fields from the order schema, order-lines block, barcode/QR, images stored in
 * the database, header/footer, server-rendered preview with a chosen order, draft → publish).
 * The print plugin is the same one the server compiles with (workflows/print/print-plugin.ts).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Link, Route, Routes, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { DEFAULT_PAPER, LABEL_PAPER, PAPER_SIZES, type PaperSize, type PaperSettings } from '../../workflows/print/paper';
import { api } from '../app/api';
import { useSession } from '../app/session';
import { Badge, ErrorBanner, Field, Loading, PageHeader } from '../app/ui';
import { registerMessages } from '../i18n';
import { useFormat } from '../i18n/format';
import messages from './i18n';
import { TemplateEditor } from './TemplateEditor';
import './templates.css';

registerMessages(messages);

export interface TemplateSummary {
  key: string;
  name: string;
  description?: string;
  paper: PaperSettings;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  latestVersion: number | null;
  dirty: boolean;
}

export function paperFor(size: PaperSize, current: PaperSettings = DEFAULT_PAPER): PaperSettings {
  if (size === 'label-100x150') return { ...LABEL_PAPER };
  if (size === 'custom') return { ...current, size, width: current.width ?? 210, height: current.height ?? 297 };
  return { size, orientation: current.orientation, margins: current.size === 'label-100x150' ? { ...DEFAULT_PAPER.margins } : current.margins };
}

export default function TemplatesPage() {
  return (
    <Routes>
      <Route index element={<TemplateList />} />
      <Route path=":key" element={<TemplateEditor />} />
    </Routes>
  );
}

function TemplateList() {
  const { t } = useTranslation('templates');
  const { can } = useSession();
  const fmt = useFormat();
  const navigate = useNavigate();
  const [list, setList] = useState<TemplateSummary[]>();
  const [error, setError] = useState<unknown>();
  const [form, setForm] = useState({ key: '', name: '', size: 'A4' as PaperSize });

  useEffect(() => {
    api.get<TemplateSummary[]>('/api/templates').then(setList, setError);
  }, []);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.post('/api/templates', { key: form.key.trim(), name: form.name.trim(), paper: paperFor(form.size) });
      navigate(`/templates/${form.key.trim()}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('title')} />
      <ErrorBanner error={error} onDismiss={() => setError(undefined)} />
      {!list ? (
        <Loading />
      ) : list.length === 0 ? (
        <p className="empty-state">{t('list.none')}</p>
      ) : (
        <table className="table" data-testid="template-list">
          <thead>
            <tr>
              <th>{t('list.name')}</th>
              <th>{t('list.key')}</th>
              <th>{t('list.paper')}</th>
              <th>{t('list.version')}</th>
              <th>{t('list.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((tpl) => (
              <tr key={tpl.key}>
                <td>
                  <Link to={`/templates/${tpl.key}`}>{tpl.name}</Link>
                </td>
                <td>
                  <code>{tpl.key}</code>
                </td>
                <td>{t(`paper.${tpl.paper.size}`)}</td>
                <td>
                  {tpl.latestVersion ? `v${tpl.latestVersion} ` : null}
                  <Badge tone={tpl.latestVersion === null ? 'muted' : tpl.dirty ? 'warn' : 'ok'}>
                    {tpl.latestVersion === null ? t('list.notPublished') : tpl.dirty ? t('list.changed') : t('list.upToDate')}
                  </Badge>
                </td>
                <td>
                  {fmt.dateTime(tpl.updatedAt)} · {tpl.updatedBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can('templates.edit') ? (
        <form className="form-card tpl-create" onSubmit={create}>
          <h3>{t('create.title')}</h3>
          <div className="form-grid">
            <Field label={t('create.key')} hint={t('create.keyHint')}>
              {(id, describedBy) => <input id={id} aria-describedby={describedBy} value={form.key} required pattern="[a-z0-9][a-z0-9\-]{1,62}" onChange={(e) => setForm({ ...form, key: e.target.value })} />}
            </Field>
            <Field label={t('create.name')}>{(id) => <input id={id} value={form.name} required maxLength={120} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
            <Field label={t('paper.size')}>
              {(id) => (
                <select id={id} value={form.size} onChange={(e) => setForm({ ...form, size: e.target.value as PaperSize })}>
                  {PAPER_SIZES.map((s) => (
                    <option key={s} value={s}>
                      {t(`paper.${s}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <button type="submit" className="btn btn-primary">
            {t('create.submit')}
          </button>
        </form>
      ) : null}
    </div>
  );
}
