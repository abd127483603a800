/**
 * E-mail intake: an SMTP listener (smtp-server) hands every message to mailparser; an order read
 * with confidence becomes an order on the email channel (external id = Message-ID, so a message
 * delivered twice is one order); anything else becomes a "needs data entry" draft with the original
 * message attached. A storage failure answers 451 so the sending server retries later.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { isAppError, type FieldIssue } from '../../workflows/model/errors';
import type { Logger } from '../infra/logger';
import { ANONYMOUS } from '../auth/principal';
import type { OrdersService, PreparedOrder } from '../orders/orders.service';
import type { DraftsService } from './drafts.service';
import { readMail } from './mail-order';

export interface EmailIntakeResult {
  orders: string[];
  draftId?: string;
}

export class EmailIntake {
  private server?: SMTPServer;
  /** what happened to each message, by Message-ID (most recent 200, for tests and diagnostics) */
  readonly recent = new Map<string, EmailIntakeResult>();

  constructor(
    private readonly orders: OrdersService,
    private readonly drafts: DraftsService,
    private readonly logger: Logger,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {}

  async listen(port: number, host: string): Promise<number> {
    this.server = new SMTPServer({
      name: 'ordo',
      banner: 'Ordo order intake',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: this.maxBytes,
      logger: false,
      onData: (stream: SMTPServerDataStream, _session: SMTPServerSession, callback: (err?: Error | null) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            const err = new Error('Message too large') as Error & { responseCode: number };
            err.responseCode = 552;
            return callback(err);
          }
          this.receive(Buffer.concat(chunks))
            .then(() => callback())
            .catch((e) => {
              this.logger.error({ err: e }, 'e-mail intake failed; asking the sender to retry');
              const err = new Error('Temporary failure, try again later') as Error & { responseCode: number };
              err.responseCode = 451;
              callback(err);
            });
        });
      },
    });
    this.server.on('error', (err) => this.logger.warn({ err }, 'SMTP listener error'));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** One raw message (RFC 5322) → orders or a draft. */
  async receive(raw: Buffer): Promise<EmailIntakeResult> {
    const mail = await simpleParser(raw);
    const messageId = mail.messageId?.slice(0, 128);
    const from = mail.from?.value[0]?.address;
    const reading = await readMail(mail);
    const problems: FieldIssue[] = [...reading.problems];
    const prepared: PreparedOrder[] = [];
    if (!problems.length) {
      reading.orders.forEach((o, i) => {
        const ref = (o.externalId as string | undefined) ?? (messageId ? (reading.orders.length > 1 ? `${messageId}#${i + 1}` : messageId) : undefined);
        try {
          prepared.push(this.orders.prepare({ ...o, ...(ref ? { externalId: ref.slice(0, 128) } : {}) }, { channel: 'email' }, reading.orders.length > 1 ? `order ${i + 1}` : ''));
        } catch (err) {
          if (isAppError(err) && err.issues) problems.push(...err.issues);
          else throw err;
        }
      });
    }
    if (!reading.orders.length && !problems.length) problems.push({ path: 'message', message: 'no order found' });
    let result: EmailIntakeResult;
    if (problems.length) {
      const draft = await this.drafts.create(
        {
          channel: 'email',
          source: { from, subject: mail.subject, messageId, receivedAt: new Date() },
          problems,
          extracted: reading.orders.length ? JSON.stringify(reading.orders.length === 1 ? reading.orders[0] : reading.orders) : undefined,
          text: (mail.text ?? '').slice(0, 20_000),
          attachments: (mail.attachments ?? []).map((a) => ({ name: a.filename ?? 'attachment', contentType: a.contentType, size: a.size })),
        },
        { data: raw, contentType: 'message/rfc822' },
      );
      this.logger.info({ messageId, from, problems: problems.length }, 'e-mail needs data entry');
      result = { orders: [], draftId: draft.id };
    } else {
      const numbers: string[] = [];
      for (const p of prepared) {
        const r = await this.orders.accept(p, { principal: ANONYMOUS, channel: 'email', actorLabel: from ? `mail:${from}` : 'mail', intakeNote: `${reading.source}${mail.subject ? `, "${mail.subject.slice(0, 80)}"` : ''}` });
        numbers.push(r.order.number);
      }
      result = { orders: numbers };
    }
    if (messageId) {
      this.recent.set(messageId, result);
      if (this.recent.size > 200) this.recent.delete(this.recent.keys().next().value as string);
    }
    return result;
  }
}
