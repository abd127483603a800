/**
 * i18next for the designer: English, Simplified and Traditional Chinese. The language follows the
 * browser unless the signed-in user chose one (user.locale from /api/auth/me, saved with
 * PATCH /api/auth/me); the choice is also kept in localStorage so a reload does not flash English.
 */
import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import type { Locale } from '../../server/contracts/auth';
import { LANGUAGES, type MessageBundle } from './define';

export { LANGUAGES, defineMessages, type MessageBundle } from './define';

/** Each language named in itself, as language pickers do. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文', 'zh-TW': '繁體中文' };

const OVERRIDE_KEY = 'ordo.locale';

/** Maps a BCP 47 tag from the browser onto a shipped language; unknown languages stay as they are. */
export function toShippedLanguage(tag: string): string {
  const t = tag.toLowerCase();
  if (/^zh(-|$)/.test(t)) return /-(tw|hk|mo|hant)(-|$)/.test(t) ? 'zh-TW' : 'zh-CN';
  if (/^en(-|$)/.test(t)) return 'en';
  return tag;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export function currentLocale(): Locale {
  const lng = i18next.resolvedLanguage ?? i18next.language;
  return isLocale(lng) ? lng : 'en';
}

let initialised = false;

export function initI18n(bundles: readonly MessageBundle[]): typeof i18next {
  if (initialised) return i18next;
  initialised = true;
  void i18next
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      supportedLngs: [...LANGUAGES],
      fallbackLng: 'en',
      load: 'currentOnly',
      ns: bundles.map((b) => b.namespace),
      defaultNS: 'common',
      initAsync: false,
      resources: {},
      interpolation: { escapeValue: false }, // React escapes
      returnNull: false,
      detection: {
        order: ['localStorage', 'navigator'],
        lookupLocalStorage: OVERRIDE_KEY,
        caches: [],
        convertDetectedLanguage: toShippedLanguage,
      },
      // a key missing at run time is a bug: the end-to-end tests fail on console errors
      saveMissing: true,
      missingKeyHandler: (_lngs, ns, key) => console.error(`i18n: missing key ${ns}:${key}`),
    });
  for (const bundle of bundles) registerMessages(bundle);
  const syncHtmlLang = (lng: string) => document.documentElement.setAttribute('lang', lng);
  syncHtmlLang(currentLocale());
  i18next.on('languageChanged', () => syncHtmlLang(currentLocale()));
  return i18next;
}

/** Adds a feature's namespace; call it at the top of the feature's page module. */
export function registerMessages(bundle: MessageBundle): void {
  for (const lng of LANGUAGES) {
    if (!i18next.hasResourceBundle(lng, bundle.namespace)) i18next.addResourceBundle(lng, bundle.namespace, bundle.resources[lng], true, true);
  }
}

/** The language chosen on this device, or null when it follows the browser. */
export function storedLocale(): Locale | null {
  try {
    const value = localStorage.getItem(OVERRIDE_KEY);
    return isLocale(value) ? value : null;
  } catch {
    return null;
  }
}

/** Applies a user's choice (null = follow the browser) to this tab and remembers it on this device. */
export async function applyLocale(locale: Locale | null): Promise<void> {
  try {
    if (locale) localStorage.setItem(OVERRIDE_KEY, locale);
    else localStorage.removeItem(OVERRIDE_KEY);
  } catch {
    /* storage disabled: the choice still applies to this tab */
  }
  // without an argument i18next detects again (localStorage, then the browser)
  if (locale ? currentLocale() !== locale : true) await i18next.changeLanguage(locale ?? undefined);
}
