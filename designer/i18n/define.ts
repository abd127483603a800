/**
 * The shape of a translation file. Every namespace lives in one `i18n.ts` (or `<name>.i18n.ts`) file
 * that default-exports `defineMessages(namespace, { en, 'zh-CN', 'zh-TW' })`. English sets the
 * shape; the type makes both Chinese variants carry exactly the same keys, and
 * designer/i18n/parity.test.ts checks it again for every such file in designer/.
 * Pure data, no imports at run time: the parity test loads these files in node.
 */
import type { Locale } from '../../server/contracts/auth';

export const LANGUAGES = ['en', 'zh-CN', 'zh-TW'] as const satisfies readonly Locale[];
// fails to compile when the server gains a locale the designer does not ship
const everyLocaleShipped: readonly (typeof LANGUAGES)[number][] = [] as Locale[];
void everyLocaleShipped;

export interface Messages {
  readonly [key: string]: string | Messages;
}

/** i18next plural forms that a language may omit (Chinese has only `_other`). */
type OptionalPlural = `${string}_${'zero' | 'one' | 'two' | 'few' | 'many'}`;

/** The same keys as T, every leaf a string; plural-only forms are optional. */
export type SameShape<T> = {
  [K in keyof T as K extends OptionalPlural ? never : K]: T[K] extends string ? string : SameShape<T[K]>;
} & {
  [K in keyof T as K extends OptionalPlural ? K : never]?: string;
};

export interface MessageBundle<N extends string = string> {
  namespace: N;
  resources: Record<Locale, Messages>;
}

export function defineMessages<N extends string, T extends Messages>(
  namespace: N,
  resources: { en: T; 'zh-CN': SameShape<T>; 'zh-TW': SameShape<T> },
): MessageBundle<N> {
  return { namespace, resources: resources as unknown as Record<Locale, Messages> };
}
