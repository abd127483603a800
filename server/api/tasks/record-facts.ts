/**
 * The record-scope facts (channel, warehouse) behind business keys: order numbers are orders; a
 * mail data-entry key (`mail:<draft id>`) is the draft's channel, not allocated. Keys that are
 * neither stay unknown, and so outside every non-empty scope.
 */
import type { ScopeFacts } from '../../auth/record-scope';
import { mailBusinessKey } from '../../intake/mail-data-entry';
import type { FactsByKeys } from './task-actor';

const MAIL = mailBusinessKey('');

export function recordFacts(deps: { orders: FactsByKeys; draftChannel: (draftId: string) => Promise<string | undefined> }): FactsByKeys {
  return async (keys) => {
    const out = new Map<string, ScopeFacts>(await deps.orders(keys.filter((k) => !k.startsWith(MAIL))));
    for (const k of keys.filter((k) => k.startsWith(MAIL))) {
      const channel = await deps.draftChannel(k.slice(MAIL.length));
      if (channel) out.set(k, { channel, warehouse: null });
    }
    return out;
  };
}
