/**
 * Connectors: the built-in and REST connectors (builder with forms generated from the connector
 * JSON Schema, OpenAPI import, "test this operation"), credentials (names only, values never come
 * back) and webhooks (outbound subscriptions with the delivery log and replay, inbound endpoints).
 *   /connectors                 list
 *   /connectors/new             builder for a new REST connector
 *   /connectors/c/:id           one connector: operations, versions, test panel, edit
 *   /connectors/credentials     credentials
 *   /connectors/webhooks        webhooks
 *   /connectors/api             the API reference (designer/api-docs, its own chunk)
 */
import './connectors.css';
import { lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { Link, NavLink, Route, Routes, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import Form from '@rjsf/core';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { registerMessages } from '../i18n';
import { ApiError } from '../app/api';
import { useSession } from '../app/session';
import { Badge, ErrorBanner, Loading, Notice, PageHeader } from '../app/ui';
import messages from './i18n';
import { connectorsApi, type ConnectorView } from './api';
import { discriminatingValidator, errorSchemaFromIssues, formSchema } from './schema-form';
import { TestPanel } from './TestPanel';
import { useLoad } from '../app/use-load';
import { CredentialsTab } from './CredentialsTab';
import { WebhooksTab } from './WebhooksTab';
import apiDocsMessages from '../api-docs/i18n';

registerMessages(messages);
registerMessages(apiDocsMessages);
const ApiDocsPage = lazy(() => import('../api-docs/ApiDocsPage'));

const SECRET_EXAMPLE = '{{secrets.NAME}}';

function Tabbed({ children }: { children: ReactNode }) {
  const { t } = useTranslation('connectors');
  const { can } = useSession();
  return (
    <div className="page conn-page">
      <PageHeader title={t('title')} />
      <nav className="tabs" aria-label={t('title')}>
        <NavLink to="/connectors" end className="tab">
          {t('tabs.connectors')}
        </NavLink>
        {can('credentials.manage') ? (
          <NavLink to="/connectors/credentials" className="tab">
            {t('tabs.credentials')}
          </NavLink>
        ) : null}
        <NavLink to="/connectors/webhooks" className="tab">
          {t('tabs.webhooks')}
        </NavLink>
        <NavLink to="/connectors/api" className="tab">
          {t('apiDocs:tab')}
        </NavLink>
      </nav>
      {children}
    </div>
  );
}

function ConnectorList() {
  const { t } = useTranslation('connectors');
  const { can } = useSession();
  const { data, error } = useLoad(connectorsApi.list);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  return (
    <>
      {can('connectors.manage') ? (
        <div className="page-actions">
          <Link to="/connectors/new" className="btn btn-primary">
            {t('list.new')}
          </Link>
        </div>
      ) : null}
      {data.length === 0 ? <p className="empty-state">{t('list.empty')}</p> : null}
      <div className="conn-grid">
        {data.map((c) => (
          <article key={c.id} className="conn-card" data-connector={c.id}>
            <h3>
              <Link to={`/connectors/c/${c.id}`}>{c.name}</Link>
            </h3>
            <div>
              <Badge tone={c.kind === 'builtin' ? 'info' : 'ok'}>{c.kind === 'builtin' ? t('list.builtin') : t('list.rest')}</Badge> <span className="muted">{c.id}</span> · {t('list.version', { version: c.version })}
            </div>
            {c.description ? <p className="muted">{c.description}</p> : null}
            <div className="muted">{t('list.operations', { count: c.operations.length })}</div>
            <ul className="conn-ops">
              {c.operations.slice(0, 6).map((o) => (
                <li key={o.id}>{o.name}</li>
              ))}
            </ul>
          </article>
        ))}
      </div>
    </>
  );
}

function ConnectorDetail() {
  const { t } = useTranslation('connectors');
  const { id = '' } = useParams();
  const { can } = useSession();
  const navigate = useNavigate();
  const { data, error, reload } = useLoad(() => connectorsApi.get(id), [id]);
  const [editing, setEditing] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  if (editing && data.definition) {
    return (
      <Builder
        initial={data.definition}
        existing={{ id: data.id, version: data.version }}
        onDone={() => {
          setEditing(false);
          reload();
        }}
      />
    );
  }
  return (
    <div>
      <p>
        <Link to="/connectors">{t('detail.back')}</Link>
      </p>
      <h2>
        {data.name} <span className="muted">{data.id}</span> · {t('list.version', { version: data.version })}
      </h2>
      {data.description ? <p className="muted">{data.description}</p> : null}
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}
      {data.kind === 'rest' && can('connectors.manage') ? (
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => setEditing(true)}>
            {t('detail.edit')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={async () => {
              if (!window.confirm(t('detail.archiveConfirm', { id: data.id }))) return;
              try {
                await connectorsApi.archive(data.id);
                navigate('/connectors');
              } catch (err) {
                setActionError(err);
              }
            }}
          >
            {t('detail.archive')}
          </button>
        </div>
      ) : null}
      <div className="conn-split">
        <section>
          <h3>{t('detail.operations')}</h3>
          <table className="table">
            <tbody>
              {data.operations.map((o) => (
                <tr key={o.id}>
                  <td>
                    <code>
                      {data.id}.{o.id}
                    </code>
                  </td>
                  <td>{o.name}</td>
                  <td className="muted">{o.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.versions?.length ? (
            <>
              <h3>{t('detail.versions')}</h3>
              <ul>
                {data.versions.map((v) => (
                  <li key={v.version}>
                    {t('list.version', { version: v.version })} · {new Date(v.createdAt).toLocaleString()} · {v.createdBy}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
        {can('connectors.manage') ? <TestPanel operations={data.operations} run={(op, input) => connectorsApi.test(data.id, op, input)} /> : null}
      </div>
    </div>
  );
}

/** The REST connector builder: an rjsf form generated from the connector JSON Schema the server validates with. */
function Builder(props: { initial?: Record<string, unknown>; existing?: { id: string; version: number }; onDone(saved?: ConnectorView): void }) {
  const { t } = useTranslation('connectors');
  const navigate = useNavigate();
  const schemaLoad = useLoad(connectorsApi.restSchema);
  const schema = useMemo(() => (schemaLoad.data ? withBuilderHints(formSchema(schemaLoad.data), Boolean(props.existing)) : undefined), [schemaLoad.data, props.existing]);
  const [data, setData] = useState<Record<string, unknown>>(props.initial ?? { auth: { type: 'none' }, operations: [] });
  const [serverErrors, setServerErrors] = useState<ErrorSchema>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [openApiText, setOpenApiText] = useState('');

  if (schemaLoad.error) return <ErrorBanner error={schemaLoad.error} />;
  if (!schema) return <Loading />;

  const importOpenApi = async () => {
    let doc: unknown;
    try {
      doc = JSON.parse(openApiText);
    } catch {
      setError(new ApiError(400, t('builder.importInvalid')));
      return;
    }
    try {
      const res = await connectorsApi.importOpenApi(doc);
      setData((d) => ({ ...d, ...(d.baseUrl || !res.baseUrl ? {} : { baseUrl: res.baseUrl }), ...(d.name || !res.title ? {} : { name: res.title }), operations: [...((d.operations as unknown[]) ?? []), ...res.operations] }));
      setNotice(t('builder.imported', { count: res.operations.length }));
    } catch (err) {
      setError(err);
    }
  };

  const operations = ((data.operations as Array<{ id?: string; name?: string }>) ?? []).filter((o) => o.id);
  return (
    <div className="conn-split">
      <section className="form-card conn-rjsf" aria-label={props.existing ? t('builder.titleEdit', { id: props.existing.id, version: props.existing.version, next: props.existing.version + 1 }) : t('builder.titleNew')}>
        <h2 className="section-title">{props.existing ? t('builder.titleEdit', { id: props.existing.id, version: props.existing.version, next: props.existing.version + 1 }) : t('builder.titleNew')}</h2>
        <p className="muted">{t('builder.secretsHint', { example: SECRET_EXAMPLE })}</p>
        {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
        {error ? <ErrorBanner error={error} onDismiss={() => setError(undefined)} /> : null}
        <Form
          schema={schema}
          uiSchema={BUILDER_UI}
          formData={data}
          validator={discriminatingValidator}
          noHtml5Validate
          showErrorList={false}
          extraErrors={serverErrors}
          onChange={(e) => setData((e.formData ?? {}) as Record<string, unknown>)}
          onSubmit={async (e) => {
            setBusy(true);
            setError(undefined);
            setServerErrors(undefined);
            try {
              const saved = props.existing ? await connectorsApi.save(props.existing.id, props.existing.version, e.formData) : await connectorsApi.create(e.formData);
              setNotice(t('builder.saved', { version: saved.version }));
              if (props.existing) props.onDone(saved);
              else navigate(`/connectors/c/${saved.id}`);
            } catch (err) {
              if (err instanceof ApiError && err.issues.length) setServerErrors(errorSchemaFromIssues(err.issues, props.existing ? 'definition' : undefined));
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t('builder.saving') : t('builder.save')}
            </button>
            <button type="button" className="btn" onClick={() => (props.existing ? props.onDone() : navigate('/connectors'))}>
              {t('builder.cancel')}
            </button>
          </div>
        </Form>
      </section>
      <aside>
        <section className="form-card">
          <h2 className="section-title">{t('builder.importTitle')}</h2>
          <p className="muted">{t('builder.importHint')}</p>
          <textarea aria-label={t('builder.importTitle')} rows={6} style={{ width: '100%' }} value={openApiText} onChange={(e) => setOpenApiText(e.target.value)} />
          <div className="form-actions">
            <button type="button" className="btn" onClick={importOpenApi} disabled={!openApiText.trim()}>
              {t('builder.importButton')}
            </button>
          </div>
        </section>
        {operations.length ? (
          <>
            <h2 className="section-title">{t('builder.testDraft')}</h2>
            <TestPanel
              operations={operations.map((o) => ({ id: o.id!, name: o.name ?? o.id!, inputSchema: draftInputSchema(data, o.id!), outputSchema: {} }))}
              run={(op, input) => connectorsApi.testDraft(data, op, input)}
            />
          </>
        ) : null}
      </aside>
    </div>
  );
}

const BUILDER_UI = {
  description: { 'ui:widget': 'textarea' },
  allowNetworks: { 'ui:widget': 'checkboxes' },
  operations: { items: { body: { 'ui:widget': 'textarea' }, responseMapping: { 'ui:widget': 'textarea' }, description: { 'ui:widget': 'textarea' } } },
};

/** Network classes as checkboxes; the id of a stored connector cannot change (it is what diagrams call). */
function withBuilderHints(schema: RJSFSchema, existing: boolean): RJSFSchema {
  const props = (schema.properties ?? {}) as Record<string, RJSFSchema>;
  return {
    ...schema,
    properties: {
      ...props,
      allowNetworks: { ...props.allowNetworks, uniqueItems: true },
      ...(existing ? { id: { ...props.id, readOnly: true } } : {}),
    },
  };
}

/** A draft operation's inputs (declared as a list in the builder) as the JSON Schema of the test form. */
function draftInputSchema(def: Record<string, unknown>, opId: string): Record<string, unknown> {
  const op = ((def.operations as Array<{ id?: string; inputs?: Array<{ name: string; type?: string; required?: boolean; description?: string; enum?: string[] }> }>) ?? []).find((o) => o.id === opId);
  const inputs = op?.inputs ?? [];
  return {
    type: 'object',
    properties: Object.fromEntries(inputs.map((i) => [i.name, { type: i.type ?? 'string', ...(i.description ? { description: i.description } : {}), ...(i.enum?.length ? { enum: i.enum } : {}) }])),
    required: inputs.filter((i) => i.required).map((i) => i.name),
  };
}

function NewConnector() {
  return <Builder onDone={() => undefined} />;
}

export default function ConnectorsPage() {
  return (
    <Tabbed>
      <Routes>
        <Route index element={<ConnectorList />} />
        <Route path="new" element={<NewConnector />} />
        <Route path="c/:id" element={<ConnectorDetail />} />
        <Route path="credentials" element={<CredentialsTab />} />
        <Route path="webhooks" element={<WebhooksTab />} />
        <Route
          path="api"
          element={
            <Suspense fallback={<Loading />}>
              <ApiDocsPage />
            </Suspense>
          }
        />
      </Routes>
    </Tabbed>
  );
}
