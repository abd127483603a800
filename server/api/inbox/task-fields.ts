/**
 * The order fields the inbox shows as columns (channel, customer, amount, warehouse, SKU), read
 * from the orders collection by business key (the order number). Reads go by _id, the one lookup
 * FerretDB pushes down, a few at a time. A mail waiting for data entry has no order yet: its task
 * shows the mail's channel, sender (in the customer column) and subject instead.
 */
import type { Collection } from 'mongodb';
import type { TaskFields } from '../../contracts/inbox';
import type { OrderDoc } from '../../orders/order.model';
import { mailBusinessKey } from '../../intake/mail-data-entry';
import { ORDER_NUMBER } from '../../../workflows/model/order';

/** What the inbox shows of a mail waiting for data entry. */
export interface MailFacts {
  channel: string;
  from?: string;
  subject?: string;
}

const MAIL_KEY_PREFIX = mailBusinessKey('');

const PROJECTION = { channel: 1, customer: 1, totals: 1, currency: 1, allocation: 1, lines: 1, status: 1 } as const;

export function fieldsOf(o: Pick<OrderDoc, 'channel' | 'customer' | 'totals' | 'currency' | 'allocation' | 'lines' | 'status'>): TaskFields {
  const skus = [...new Set((o.lines ?? []).map((l) => l.sku))];
  return {
    channel: o.channel,
    customer: o.customer?.company ? `${o.customer.name} (${o.customer.company})` : o.customer?.name,
    amount: o.totals?.total,
    currency: o.currency,
    warehouse: o.allocation?.warehouse ?? null,
    sku: skus.join(', '),
    lines: o.lines?.length ?? 0,
    orderStatus: o.status,
  };
}

export class TaskFieldsReader {
  constructor(
    private readonly orders: Collection<OrderDoc>,
    private readonly mail?: (draftId: string) => Promise<MailFacts | undefined>,
  ) {}

  /** Fields per business key (order number or mail); keys of neither (or unknown) are left out. */
  async byKeys(keys: Iterable<string | null>): Promise<Map<string, TaskFields>> {
    const numbers = [...new Set([...keys].filter((k): k is string => typeof k === 'string' && ORDER_NUMBER.test(k)))];
    const out = new Map<string, TaskFields>();
    for (let i = 0; i < numbers.length; i += 16) {
      const docs = await Promise.all(numbers.slice(i, i + 16).map((n) => this.orders.findOne({ _id: n }, { projection: PROJECTION })));
      for (const d of docs) if (d) out.set(d._id, fieldsOf(d));
    }
    const mails = [...new Set([...keys].filter((k): k is string => typeof k === 'string' && k.startsWith(MAIL_KEY_PREFIX)))];
    if (this.mail) {
      for (const key of mails) {
        const m = await this.mail(key.slice(MAIL_KEY_PREFIX.length));
        if (m) out.set(key, { channel: m.channel, customer: m.from, subject: m.subject });
      }
    }
    return out;
  }

  async of(key: string | null): Promise<TaskFields | undefined> {
    return key ? (await this.byKeys([key])).get(key) : undefined;
  }
}
