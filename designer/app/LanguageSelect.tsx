import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../server/contracts/auth';
import { LANGUAGE_NAMES, LANGUAGES, isLocale } from '../i18n';

/** Language picker: each language in its own script, plus "follow the browser" (null). */
export function LanguageSelect({ value, onChange, disabled }: { value: Locale | null; onChange: (locale: Locale | null) => void; disabled?: boolean }) {
  const { t } = useTranslation('common');
  const id = useId();
  return (
    <div className="language-select">
      <label htmlFor={id}>{t('userMenu.language')}</label>
      <select id={id} value={value ?? ''} disabled={disabled} onChange={(e) => onChange(isLocale(e.target.value) ? e.target.value : null)}>
        <option value="">{t('userMenu.followBrowser')}</option>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
