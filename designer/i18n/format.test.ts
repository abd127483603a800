import { formatters, intlLocale } from './format';
import { toShippedLanguage } from './index';

describe('locale formatting', () => {
  it('given English, then the browser’s own English variant decides the date order', () => {
    expect(intlLocale('en', ['de-DE', 'en-GB'])).toBe('en-GB');
    expect(intlLocale('en', ['fr-FR'])).toBe('en-US');
    expect(intlLocale('zh-TW', ['en-GB'])).toBe('zh-TW');
  });

  it('formats money, numbers and dates for each language', () => {
    const day = new Date(2025, 10, 25, 14, 5);
    expect(formatters('en-US').currency(1234.5, 'USD')).toBe('$1,234.50');
    expect(formatters('zh-CN').currency(1234.5, 'CNY')).toBe('¥1,234.50');
    expect(formatters('zh-TW').currency(1234.5, 'TWD')).toBe('$1,234.50');
    expect(formatters('en-GB').date(day)).toBe('25 Nov 2025');
    expect(formatters('zh-CN').date(day)).toBe('2025年11月25日');
    expect(formatters('zh-TW').date(day)).toBe('2025年11月25日');
    expect(formatters('en-US').number(1234567.891)).toBe('1,234,567.891');
    expect(formatters('zh-CN').relative(new Date(day.getTime() - 3 * 60_000), day)).toBe('3分钟前');
    expect(formatters('en-US').date('not a date')).toBe('—');
  });

  it('maps browser language tags onto the shipped languages', () => {
    expect(['zh', 'zh-CN', 'zh-Hans-CN', 'zh-SG', 'zh-TW', 'zh-HK', 'zh-Hant', 'en-GB', 'fr'].map(toShippedLanguage)).toEqual(['zh-CN', 'zh-CN', 'zh-CN', 'zh-CN', 'zh-TW', 'zh-TW', 'zh-TW', 'en', 'fr']);
  });
});
