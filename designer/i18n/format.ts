/**
 * Dates, numbers and money for the current language, through Intl. English follows the browser's
 * own English variant (en-GB writes 25/11/2025, en-US 11/25/2025); Chinese uses zh-CN or zh-TW.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

export type DateInput = Date | string | number;

/** The Intl locale for a designer language, e.g. 'en' → 'en-GB' in a British browser. */
export function intlLocale(language: string, browserLanguages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): string {
  if (language !== 'en') return language;
  return browserLanguages.find((l) => /^en(-|$)/i.test(l)) ?? 'en-US';
}

export interface Formatters {
  locale: string;
  date(value: DateInput): string;
  dateTime(value: DateInput): string;
  time(value: DateInput): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  percent(value: number, fractionDigits?: number): string;
  /** amount in major units (12.5 = 12.50), currency as ISO 4217 ('CNY', 'USD', 'TWD') */
  currency(amount: number, currency: string): string;
  /** '3 minutes ago', '3 分钟前' */
  relative(value: DateInput, now?: Date): string;
}

const toDate = (v: DateInput) => (v instanceof Date ? v : new Date(v));
const cache = new Map<string, Formatters>();

export function formatters(locale: string): Formatters {
  const cached = cache.get(locale);
  if (cached) return cached;
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const timeFmt = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const numberFmt = new Intl.NumberFormat(locale);
  const relFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const money = new Map<string, Intl.NumberFormat>();
  const safe = (fmt: Intl.DateTimeFormat, v: DateInput) => {
    const d = toDate(v);
    return Number.isNaN(d.getTime()) ? '—' : fmt.format(d);
  };
  const f: Formatters = {
    locale,
    date: (v) => safe(dateFmt, v),
    dateTime: (v) => safe(dateTimeFmt, v),
    time: (v) => safe(timeFmt, v),
    number: (v, options) => (options ? new Intl.NumberFormat(locale, options) : numberFmt).format(v),
    percent: (v, fractionDigits = 0) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: fractionDigits }).format(v),
    currency(amount, currency) {
      let fmt = money.get(currency);
      if (!fmt) {
        fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
        money.set(currency, fmt);
      }
      return fmt.format(amount);
    },
    relative(value, now = new Date()) {
      const seconds = (toDate(value).getTime() - now.getTime()) / 1000;
      if (Number.isNaN(seconds)) return '—';
      const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
        ['year', 31_536_000],
        ['month', 2_592_000],
        ['day', 86_400],
        ['hour', 3_600],
        ['minute', 60],
      ];
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) return relFmt.format(Math.round(seconds / size), unit);
      }
      return relFmt.format(Math.round(seconds), 'second');
    },
  };
  cache.set(locale, f);
  return f;
}

/** Formatters for the language the UI is shown in; re-renders when it changes. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language ?? 'en';
  return useMemo(() => formatters(intlLocale(language)), [language]);
}
