/** The intake channels beside REST: e-mail (SMTP), file import, drafts needing data entry. */
import type { Connection } from 'mongoose';
import type { Logger } from '../infra/logger';
import type { AuditService } from '../audit/audit.service';
import type { OrdersService } from '../orders/orders.service';
import { DraftsService } from './drafts.service';
import { EmailIntake } from './email-intake';
import { ImportService } from './import.service';

export interface IntakeModule {
  drafts: DraftsService;
  imports: ImportService;
  email: EmailIntake;
  /** the SMTP listener's port, when one is listening */
  smtpPort?: number;
  close(): Promise<void>;
}

export async function createIntakeModule(deps: { connection: Connection; logger: Logger; audit: AuditService; orders: OrdersService; smtp?: { port: number; host: string }; leaseMs?: number }): Promise<IntakeModule> {
  const drafts = new DraftsService(deps.connection, deps.orders);
  const imports = new ImportService(deps.connection, deps.orders, deps.audit, deps.logger, deps.leaseMs);
  imports.startResuming();
  const email = new EmailIntake(deps.orders, drafts, deps.logger);
  const smtpPort = deps.smtp ? await email.listen(deps.smtp.port, deps.smtp.host) : undefined;
  if (smtpPort !== undefined) deps.logger.info({ port: smtpPort }, 'e-mail order intake listening (SMTP)');
  return {
    drafts,
    imports,
    email,
    smtpPort,
    async close() {
      await email.close();
      imports.stopResuming();
      await imports.settled();
    },
  };
}
