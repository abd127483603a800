/**
 * The API reference, rendered from the server's own OpenAPI document (/api/openapi.json): grouped
 * by tag, each operation with its method, path, access rule, parameters, request and response
 * schemas and an example curl line. Plain React: no CDN, no inline script, no eval (CSP).
 */
import './api-docs.css';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../app/api';
import { ErrorBanner, Loading } from '../app/ui';
import { registerMessages } from '../i18n';
import messages from './i18n';
import { curlFor, groupByTag, outline, resolve, typeName, type JsonSchema, type OpenApiDoc, type OperationRow } from './openapi-view';

registerMessages(messages);

function SchemaOutline({ doc, schema }: { doc: OpenApiDoc; schema: JsonSchema | undefined }) {
  const { t } = useTranslation('apiDocs');
  const resolved = resolve(doc, schema);
  if (!resolved || Object.keys(resolved).length === 0) return <p className="muted">{schema ? t('anyJson') : t('noSchema')}</p>;
  const { rows, more } = outline(doc, resolved);
  const head = resolved.type === 'array' ? t('arrayOf', { type: typeName(resolve(doc, resolved.items)) || 'object' }) : typeName(resolved) || (resolved.anyOf || resolved.oneOf ? t('oneOf') : '');
  return (
    <div className="apidocs-schema">
      {head ? <code className="apidocs-type">{head}</code> : null}
      {rows.length ? (
        <ul>
          {rows.map((r, i) => (
            <li key={i} className={`apidocs-depth-${Math.min(r.depth, 5)}`}>
              <code>{r.name}</code> <span className="apidocs-type">{r.type}</span>
              {r.required ? <span className="apidocs-required"> {t('required')}</span> : null}
              {r.description ? <span className="muted"> — {r.description}</span> : null}
            </li>
          ))}
          {more ? <li className="muted">{t('moreFields', { count: more })}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation('apiDocs');
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? t('copied') : t('copy')}
    </button>
  );
}

function Operation({ doc, row }: { doc: OpenApiDoc; row: OperationRow }) {
  const { t } = useTranslation('apiDocs');
  const { method, path, op } = row;
  const access = op['x-access'] ?? (op['x-permission'] ? 'permission' : 'authenticated');
  const body = op.requestBody?.content?.['application/json']?.schema;
  const curl = curlFor(doc, row, window.location.origin);
  return (
    <details className="apidocs-op" data-operation={op.operationId} data-method={method} data-path={path}>
      <summary>
        <span className={`apidocs-method apidocs-method-${method}`}>{method.toUpperCase()}</span>
        <code className="apidocs-path">{path}</code>
        <span className="apidocs-summary">{op.summary}</span>
      </summary>
      <div className="apidocs-body">
        <p className="apidocs-access" data-testid="access">
          {t(`access.${access}`, { permission: op['x-permission'] ?? '' })}
        </p>
        {op.parameters?.length ? (
          <section>
            <h4>{t('parameters')}</h4>
            <table className="table apidocs-params">
              <thead>
                <tr>
                  <th>{t('param.name')}</th>
                  <th>{t('param.in')}</th>
                  <th>{t('param.type')}</th>
                  <th>{t('param.required')}</th>
                  <th>{t('param.description')}</th>
                </tr>
              </thead>
              <tbody>
                {op.parameters.map((p) => (
                  <tr key={`${p.in}:${p.name}`}>
                    <td>
                      <code>{p.name}</code>
                    </td>
                    <td>{p.in}</td>
                    <td>{typeName(p.schema)}</td>
                    <td>{p.required ? t('yes') : t('no')}</td>
                    <td>{p.description ?? p.schema?.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
        {body ? (
          <section data-testid="request-body">
            <h4>{t('requestBody')}</h4>
            <SchemaOutline doc={doc} schema={body} />
          </section>
        ) : null}
        <section data-testid="responses">
          <h4>{t('responses')}</h4>
          {Object.entries(op.responses).map(([status, res]) => {
            const [type, media] = Object.entries(res.content ?? {})[0] ?? [];
            return (
              <div key={status} className="apidocs-response" data-status={status}>
                <p>
                  <span className={`badge ${/^2/.test(status) ? 'badge-ok' : 'badge-muted'}`}>{status}</span> {res.description} {type ? <code className="muted">{type}</code> : null}
                </p>
                {/^2/.test(status) && media ? <SchemaOutline doc={doc} schema={media.schema} /> : null}
              </div>
            );
          })}
        </section>
        <section>
          <h4>{t('example')}</h4>
          <div className="apidocs-curl">
            <pre data-testid="curl">{curl}</pre>
            <CopyButton text={curl} />
          </div>
        </section>
      </div>
    </details>
  );
}

export default function ApiDocsPage() {
  const { t } = useTranslation('apiDocs');
  const [doc, setDoc] = useState<OpenApiDoc>();
  const [error, setError] = useState<unknown>();
  const [filter, setFilter] = useState('');
  useEffect(() => {
    api.get<OpenApiDoc>('/api/openapi.json').then(setDoc, setError);
  }, []);
  const groups = useMemo(() => (doc ? groupByTag(doc, filter) : []), [doc, filter]);
  if (error) return <ErrorBanner error={error} />;
  if (!doc) return <Loading />;
  const count = groups.reduce((n, g) => n + g.operations.length, 0);
  return (
    <section className="apidocs" aria-labelledby="apidocs-title">
      <div className="panel-toolbar">
        <h2 id="apidocs-title">{t('title')}</h2>
        <span className="muted">{t('version', { openapi: doc.openapi, version: doc.info.version })}</span>
        <span className="toolbar-spacer" />
        <a className="btn" href="/api/openapi.json" download="openapi.json">
          {t('download')}
        </a>
      </div>
      <p className="muted">{t('intro')}</p>
      <div className="apidocs-filter">
        <label>
          <span>{t('filter')}</span>
          <input type="search" value={filter} placeholder={t('filterPlaceholder')} onChange={(e) => setFilter(e.target.value)} />
        </label>
        <span className="muted" data-testid="op-count">
          {t('count', { count })}
        </span>
      </div>
      {groups.length === 0 ? <p className="empty-state">{t('none')}</p> : null}
      <nav className="apidocs-tags" aria-label={t('title')}>
        {groups.map((g) => (
          <a key={g.tag} href={`#tag-${g.tag}`}>
            {g.tag}
          </a>
        ))}
      </nav>
      {groups.map((g) => (
        <section key={g.tag} id={`tag-${g.tag}`} className="apidocs-tag" data-tag={g.tag}>
          <h3>{g.tag}</h3>
          {g.operations.map((row) => (
            <Operation key={`${row.method} ${row.path}`} doc={doc} row={row} />
          ))}
        </section>
      ))}
    </section>
  );
}
