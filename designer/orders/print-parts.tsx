/** Pieces shared by the order page's print action and the list's batch print. */
import { useTranslation } from 'react-i18next';
import { useSession } from '../app/session';
import { Field } from '../app/ui';
import { useLoad } from '../app/use-load';
import { registerMessages } from '../i18n';
import messages from './print.i18n';
import { printApi, type PrintTemplate } from './print-api';
import './print.css';

registerMessages(messages);

/** Printing needs print.run and the template list (templates.read); the action is hidden otherwise. */
export function useMayPrint(): boolean {
  const { can } = useSession();
  return can('print.run') && can('templates.read');
}

/** The published templates (only read when the user may print); `chosen` is the picked key, else the first one. */
export function usePrintTemplates(picked: string, mayPrint: boolean) {
  const { data, error } = useLoad(() => (mayPrint ? printApi.templates() : Promise.resolve([])), [mayPrint]);
  return { templates: data, error, chosen: picked || data?.[0]?.key || '' };
}

export function TemplateField({ templates, value, onChange }: { templates?: PrintTemplate[]; value: string; onChange(key: string): void }) {
  const { t } = useTranslation('print');
  if (templates && templates.length === 0) return <p className="muted">{t('noTemplates')}</p>;
  return (
    <Field label={t('template')}>
      {(id) => (
        <select id={id} data-testid="print-template" value={value} onChange={(e) => onChange(e.target.value)} disabled={!templates}>
          {(templates ?? []).map((tpl) => (
            <option key={tpl.key} value={tpl.key}>
              {tpl.name} (v{tpl.latestVersion})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
