/**
 * One template in GrapesJS. The editor is created once per template; React owns the toolbar
 * (paper, save, publish, preview) and the side panel (versions, preview PDF). Font Awesome for the
 * GrapesJS panels comes from our own bundle (cssIcons off: no CDN request).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import grapesjs, { type Editor } from 'grapesjs';
import 'grapesjs/dist/css/grapes.min.css';
import 'font-awesome/css/font-awesome.min.css';
import type { FieldInfo } from '../../workflows/print/fields';
import { PAPER_SIZES, paperDevice, type Margins, type PaperSettings, type PaperSize } from '../../workflows/print/paper';
import { ordoPrintPlugin, PRINT_TYPES } from '../../workflows/print/print-plugin';
import { sampleValue } from '../../workflows/print/sample-order';
import { barcodeSvg, qrSvg } from '../../workflows/print/symbols';
import { api, ApiError } from '../app/api';
import { useSession } from '../app/session';
import { ErrorBanner, Loading, Notice, PageHeader } from '../app/ui';
import { useFormat } from '../i18n/format';
import { paperFor } from './TemplatesPage';

interface Draft {
  key: string;
  name: string;
  paper: PaperSettings;
  projectData: Record<string, unknown>;
  revision: number;
  removed: string[];
}
interface Version {
  version: number;
  note?: string;
  publishedAt: string;
  publishedBy: string;
}
interface Asset {
  id: string;
  name: string;
  url: string;
}

const SIDES: Array<keyof Margins> = ['top', 'right', 'bottom', 'left'];

/** The sample shown on the canvas: order fields first, then line fields (inside the lines block). */
function sampleText(path: string, format: string): string | undefined {
  const value = sampleValue(path) ?? sampleValue(path, 'line');
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  if (format === 'money' && typeof value === 'number') return `${sampleValue('currency')} ${value.toFixed(2)}`;
  if ((format === 'date' || format === 'datetime') && typeof value === 'string') return value.slice(0, format === 'date' ? 10 : 16).replace('T', ' ');
  return String(value);
}

function drawSymbol(kind: 'barcode' | 'qrcode', symbology: string, value: string): string | undefined {
  try {
    return kind === 'barcode' ? barcodeSvg(value, symbology) : qrSvg(value);
  } catch {
    return undefined;
  }
}

export function TemplateEditor() {
  const { key = '' } = useParams();
  const { t } = useTranslation('templates');
  const { can, me } = useSession();
  const fmt = useFormat();
  const canvasRef = useRef<HTMLDivElement>(null);
  const blocksRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<Editor | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>();
  const [versions, setVersions] = useState<Version[]>([]);
  const [fields, setFields] = useState<FieldInfo[]>();
  const [paper, setPaper] = useState<PaperSettings>();
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [previewOrder, setPreviewOrder] = useState('');
  const [preview, setPreview] = useState<{ url: string; warnings: string[] }>();
  const [note, setNote] = useState('');

  const load = useCallback(async () => {
    const [detail, catalog] = await Promise.all([api.get<{ draft: Draft; versions: Version[] }>(`/api/templates/${key}`), api.get<FieldInfo[]>('/api/templates/fields')]);
    setDraft(detail.draft);
    setVersions(detail.versions);
    setPaper(detail.draft.paper);
    setFields(catalog);
  }, [key]);

  useEffect(() => {
    load().catch(setError);
  }, [load]);

  // the editor: created once the draft and the field catalog are here
  useEffect(() => {
    if (!draft || !fields || !canvasRef.current || !blocksRef.current || editorRef.current) return;
    const editor = grapesjs.init({
      container: canvasRef.current,
      height: '100%',
      width: 'auto',
      fromElement: false,
      storageManager: false,
      cssIcons: '',
      // GrapesJS reports usage to app.grapesjs.com unless told not to: nothing leaves the machine
      telemetry: false,
      projectData: draft.projectData as never,
      deviceManager: { devices: [paperDevice(draft.paper)] },
      // a click appends the block into the selected element (or the page): an alternative to drag and drop
      blockManager: { appendTo: blocksRef.current, appendOnClick },
      assetManager: { upload: false, uploadFile: (e: DragEvent | Event) => void uploadFiles(editor, e) },
      canvas: { styles: [] },
      plugins: [
        (e: Editor) =>
          ordoPrintPlugin(e, {
            drawSymbol,
            sampleValue: sampleText,
            labels: { path: t('traits.path'), format: t('traits.format'), repeatPath: t('traits.repeatPath'), ifPath: t('traits.ifPath'), symbology: t('traits.symbology'), value: t('traits.value') },
          }),
      ],
    });
    editorRef.current = editor;
    addBlocks(editor, fields, t);
    editor.setDevice('ordo-paper');
    editor.on('canvas:frame:load', () => showMargins(editor, draft.paper.margins));
    editor.on('update', () => setDirty(true));
    api
      .get<Asset[]>('/api/templates/assets')
      .then((assets) => editor.AssetManager.add(assets.map((a) => ({ src: a.url, name: a.name }))))
      .catch(setError);
    return () => {
      editor.destroy();
      editorRef.current = undefined;
    };
    // the editor lives as long as the page (created once both are loaded); later drafts are loaded into it explicitly
  }, [draft !== undefined, fields !== undefined]);

  const uploadFiles = async (editor: Editor, e: DragEvent | Event) => {
    const files = (e as DragEvent).dataTransfer?.files ?? (e.target as HTMLInputElement | null)?.files;
    for (const file of Array.from(files ?? [])) {
      const res = await fetch(`/api/templates/assets?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': me?.csrfToken ?? '' },
        body: file,
        credentials: 'same-origin',
      });
      const body = await res.json();
      if (!res.ok) {
        setError(new ApiError(res.status, body.title ?? res.statusText, body.errors ?? [], body));
        continue;
      }
      editor.AssetManager.add({ src: body.url, name: body.name });
    }
  };

  const changePaper = (next: PaperSettings) => {
    setPaper(next);
    setDirty(true);
    const editor = editorRef.current;
    if (!editor) return;
    const device = paperDevice(next);
    editor.Devices.remove('ordo-paper');
    editor.Devices.add(device);
    editor.setDevice('ordo-paper');
    showMargins(editor, next.margins);
  };

  const save = async (): Promise<Draft | undefined> => {
    const editor = editorRef.current;
    if (!editor || !draft || !paper) return undefined;
    const saved = await api.put<Draft>(`/api/templates/${key}/draft`, { revision: draft.revision, paper, projectData: editor.getProjectData() });
    setDraft(saved);
    setDirty(false);
    if (saved.removed.length) {
      // show the author what the server kept
      editor.loadProjectData(saved.projectData as never);
      setDirty(false);
    }
    setNotice(saved.removed.length ? `${t('editor.saved', { revision: saved.revision })} ${t('editor.cleaned', { items: saved.removed.join('; ') })}` : t('editor.saved', { revision: saved.revision }));
    return saved;
  };

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const publish = () =>
    run(async () => {
      const current = dirty ? await save() : draft;
      if (!current) return;
      const v = await api.post<Version>(`/api/templates/${key}/publish`, { revision: current.revision, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
      setVersions((await api.get<{ versions: Version[] }>(`/api/templates/${key}`)).versions);
      setNotice(t('editor.published', { version: v.version }));
    });

  const showPreview = () =>
    run(async () => {
      if (dirty) await save();
      const res = await fetch(`/api/templates/${key}/preview`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me?.csrfToken ?? '' },
        body: JSON.stringify(previewOrder.trim() ? { orderId: previewOrder.trim() } : {}),
        credentials: 'same-origin',
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new ApiError(res.status, body.title ?? res.statusText, body.errors ?? [], body);
      }
      const warnings = JSON.parse(decodeURIComponent(res.headers.get('x-ordo-warnings') ?? '%5B%5D')) as string[];
      if (preview) URL.revokeObjectURL(preview.url);
      setPreview({ url: URL.createObjectURL(await res.blob()), warnings });
    });

  if (error && !draft) {
    return (
      <div className="page">
        <PageHeader title={t('title')} />
        <ErrorBanner error={error} />
        <Link to="/templates">{t('editor.back')}</Link>
      </div>
    );
  }
  if (!draft || !paper || !fields) return <Loading />;

  const setMargin = (side: keyof Margins, value: number) => changePaper({ ...paper, margins: { ...paper.margins, [side]: value } });

  return (
    <div className="tpl-editor" data-testid="template-editor">
      <div className="tpl-toolbar">
        <Link to="/templates" className="btn btn-small">
          ← {t('editor.back')}
        </Link>
        <strong className="tpl-name">{draft.name}</strong>
        <label>
          {t('paper.size')}{' '}
          <select data-testid="paper-size" value={paper.size} onChange={(e) => changePaper(paperFor(e.target.value as PaperSize, paper))}>
            {PAPER_SIZES.map((s) => (
              <option key={s} value={s}>
                {t(`paper.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('paper.orientation')}{' '}
          <select value={paper.orientation} onChange={(e) => changePaper({ ...paper, orientation: e.target.value as PaperSettings['orientation'] })}>
            <option value="portrait">{t('paper.portrait')}</option>
            <option value="landscape">{t('paper.landscape')}</option>
          </select>
        </label>
        {paper.size === 'custom'
          ? (['width', 'height'] as const).map((side) => (
              <label key={side}>
                {t(`paper.${side}`)} <input type="number" className="tpl-mm" min={20} max={600} value={paper[side] ?? ''} onChange={(e) => changePaper({ ...paper, [side]: Number(e.target.value) })} />
              </label>
            ))
          : null}
        <span className="tpl-margins" title={t('paper.margins')}>
          {t('paper.margins')}
          {SIDES.map((side) => (
            <input key={side} type="number" className="tpl-mm" min={0} max={60} step={0.5} aria-label={t(`paper.${side}`)} title={t(`paper.${side}`)} value={paper.margins[side]} onChange={(e) => setMargin(side, Number(e.target.value))} />
          ))}
        </span>
        <span className="tpl-spacer" />
        {dirty ? <span className="tpl-dirty">{t('editor.unsaved')}</span> : <span className="tpl-rev">{t('editor.revision', { revision: draft.revision })}</span>}
        <button type="button" className="btn btn-small" data-testid="save-draft" disabled={busy} onClick={() => run(async () => void (await save()))}>
          {t('editor.save')}
        </button>
      </div>
      {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      <div className="tpl-body">
        <aside className="tpl-blocks">
          <h3>{t('editor.fields')}</h3>
          <p className="field-hint">{t('editor.fieldsHint')}</p>
          <div ref={blocksRef} />
        </aside>
        <div className="tpl-canvas" ref={canvasRef} />
        <aside className="tpl-side">
          <section>
            <h3>{t('editor.preview')}</h3>
            <label className="field-hint" htmlFor="tpl-preview-order">
              {t('editor.previewOrder')}
            </label>
            <input id="tpl-preview-order" data-testid="preview-order" value={previewOrder} onChange={(e) => setPreviewOrder(e.target.value)} placeholder="SO-2026-000123" />
            <button type="button" className="btn btn-small" data-testid="preview" disabled={busy} onClick={showPreview}>
              {t('editor.preview')}
            </button>
          </section>
          {can('templates.publish') ? (
            <section>
              <h3>{t('editor.publish')}</h3>
              <input aria-label={t('editor.publishNote')} placeholder={t('editor.publishNote')} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
              <button type="button" className="btn btn-primary btn-small" data-testid="publish" disabled={busy} onClick={publish}>
                {t('editor.publish')}
              </button>
            </section>
          ) : null}
          <section>
            <h3>{t('editor.versions')}</h3>
            {versions.length === 0 ? (
              <p className="field-hint">{t('editor.noVersions')}</p>
            ) : (
              <ul className="tpl-versions" data-testid="versions">
                {versions.map((v) => (
                  <li key={v.version}>
                    {t('editor.versionLine', { version: v.version, date: fmt.dateTime(v.publishedAt), by: v.publishedBy })}
                    {v.note ? <div className="field-hint">{v.note}</div> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </aside>
      </div>
      {preview ? (
        <div className="tpl-preview" data-testid="preview-panel">
          <div className="tpl-preview-head">
            <strong>{t('editor.previewTitle')}</strong>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                URL.revokeObjectURL(preview.url);
                setPreview(undefined);
              }}
            >
              {t('editor.closePreview')}
            </button>
          </div>
          <p>{preview.warnings.length ? t('editor.previewWarnings') : t('editor.noWarnings')}</p>
          {preview.warnings.length ? (
            <ul data-testid="preview-warnings">
              {preview.warnings.map((w) => (
                <li key={w}>
                  <code>{w}</code>
                </li>
              ))}
            </ul>
          ) : null}
          <iframe title={t('editor.previewTitle')} src={preview.url} data-testid="preview-frame" />
        </div>
      ) : null}
    </div>
  );
}

const TABLE_PARTS = new Set(['table', 'thead', 'tbody', 'tfoot', 'tr']);

function appendOnClick(block: { get(name: 'content'): unknown }, editor: Editor): void {
  const selected = editor.getSelected();
  const fits = selected && selected.get('droppable') !== false && !selected.get('void') && !TABLE_PARTS.has(String(selected.get('tagName')).toLowerCase());
  (fits ? selected : editor.getWrapper())?.append(block.get('content') as never);
}

/** Margins drawn as padding of the canvas body (only on the canvas, never in the template). */
function showMargins(editor: Editor, margins: Margins): void {
  const body = editor.Canvas.getBody();
  if (body) body.style.padding = `${margins.top}mm ${margins.right}mm ${margins.bottom}mm ${margins.left}mm`;
}

type T = (key: string) => string;

function addBlocks(editor: Editor, fields: FieldInfo[], t: T): void {
  const bm = editor.Blocks;
  const layout = t('blocks.layout');
  const codes = t('blocks.codes');
  const text = (content: string, tagName = 'div') => ({ type: 'text', tagName, components: [{ type: 'textnode', content }] });
  const field = (path: string, format = 'text') => ({ type: PRINT_TYPES.field, attributes: { 'data-ordo-field': path, 'data-format': format } });
  bm.add('ordo-text', { label: t('blocks.text'), category: layout, content: text(t('blocks.sampleText')) });
  bm.add('ordo-heading', { label: t('blocks.heading'), category: layout, content: text(t('blocks.headingText'), 'h2') });
  bm.add('ordo-image', { label: t('blocks.image'), category: layout, activate: true, content: { type: 'image', style: { 'max-width': '60mm' } } });
  bm.add('ordo-columns', {
    label: t('blocks.columns'),
    category: layout,
    content: { tagName: 'div', style: { display: 'flex', gap: '5mm' }, components: [{ tagName: 'div', style: { flex: '1', 'min-height': '10mm' } }, { tagName: 'div', style: { flex: '1', 'min-height': '10mm' } }] },
  });
  const th = (label: string) => ({ tagName: 'th', style: { 'text-align': 'left', 'border-bottom': '1px solid #888', padding: '1mm' }, components: [{ type: 'textnode', content: label }] });
  const td = (path: string, format = 'text') => ({ tagName: 'td', style: { 'border-bottom': '1px solid #ddd', padding: '1mm' }, components: [field(path, format)] });
  bm.add('ordo-lines', {
    label: t('blocks.lines'),
    category: layout,
    content: {
      tagName: 'table',
      style: { width: '100%', 'border-collapse': 'collapse' },
      components: [
        { tagName: 'thead', components: [{ tagName: 'tr', components: [th(t('blocks.colSku')), th(t('blocks.colName')), th(t('blocks.colQty')), th(t('blocks.colPrice')), th(t('blocks.colTotal'))] }] },
        {
          tagName: 'tbody',
          components: [{ type: PRINT_TYPES.repeat, tagName: 'tr', attributes: { 'data-each': 'lines' }, components: [td('sku'), td('name'), td('quantity', 'number'), td('unitPrice', 'money'), td('lineTotal', 'money')] }],
        },
      ],
    },
  });
  bm.add('ordo-header', { label: t('blocks.header'), category: layout, content: { type: PRINT_TYPES.header, components: [text(t('blocks.headingText'))] } });
  bm.add('ordo-footer', { label: t('blocks.footer'), category: layout, content: { type: PRINT_TYPES.footer, components: [text(t('blocks.sampleText'))] } });
  bm.add('ordo-if', { label: t('blocks.onlyIf'), category: layout, content: { type: PRINT_TYPES.when, attributes: { 'data-if': 'notes' }, components: [field('notes')] } });
  bm.add('ordo-page-break', { label: t('blocks.pageBreak'), category: layout, content: { tagName: 'div', style: { 'break-after': 'page' } } });
  bm.add('ordo-barcode', { label: t('blocks.barcode'), category: codes, content: { type: PRINT_TYPES.barcode, attributes: { 'data-ordo-barcode': 'code128', 'data-value': 'number' }, style: { width: '70mm', height: '15mm' } } });
  bm.add('ordo-tracking-barcode', { label: t('blocks.trackingBarcode'), category: codes, content: { type: PRINT_TYPES.barcode, attributes: { 'data-ordo-barcode': 'code128', 'data-value': 'shipment.trackingNumber' }, style: { width: '80mm', height: '18mm' } } });
  bm.add('ordo-qrcode', { label: t('blocks.qrcode'), category: codes, content: { type: PRINT_TYPES.qrcode, attributes: { 'data-ordo-qrcode': 'qr', 'data-value': 'shipment.trackingUrl' }, style: { width: '25mm', height: '25mm' } } });
  for (const f of fields) {
    bm.add(`ordo-field-${f.scope}-${f.path}`, {
      label: `${f.title} <small>${f.path}</small>`,
      category: `${t('editor.fields')} · ${f.scope === 'line' ? t('editor.lineFields') : t('editor.orderFields')}`,
      content: field(f.path, f.format),
      attributes: { 'data-field': `${f.scope}:${f.path}` },
    });
  }
}
