/**
 * "Needs data entry" as a flow: every e-mail the intake cannot read with confidence starts the
 * built-in process mail-data-entry (workflows/processes/mail-data-entry.bpmn), whose user task puts
 * the mail in the operators' inbox. Completing the task with an order creates it through the normal
 * intake (email channel, Message-ID as external id); the intake's objections are stored on the mail
 * and the task comes back (BPMN error ORDER_INVALID); rejecting marks the mail rejected.
 */
import { z } from 'zod';
import type { WorkflowRuntime } from '../../engine';
import type { TaskView } from '../../workflows/bpmn/views';
import { BpmnError } from '../../connectors/sdk/errors';
import { isAppError, ValidationError } from '../../workflows/model/errors';
import { toFieldIssues } from '../../workflows/model/zod-issues';
import { ANONYMOUS } from '../auth/principal';
import type { Logger } from '../infra/logger';
import type { DraftsService, DraftView } from './drafts.service';

export const MAIL_ENTRY_PROCESS_KEY = 'mail-data-entry';
export const MAIL_ENTRY_TASK = 'enterOrder';
/** business key of a draft's instance (the task page finds the mail by it) */
export const mailBusinessKey = (draftId: string) => `mail:${draftId}`;

const SYSTEM = { kind: 'system' as const, id: null, label: 'intake' };
const enterInput = z.object({ draftId: z.string().min(1), order: z.record(z.string(), z.unknown()) });
const rejectInput = z.object({ draftId: z.string().min(1), reason: z.string().max(500).optional() });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ValidationError('Invalid handler input', toFieldIssues(r.error.issues));
  return r.data;
}

/** Variables the instance starts with: the draft id and what the inbox shows of the mail. */
export function mailEntryVariables(draft: DraftView): Record<string, unknown> {
  return {
    draftId: draft.id,
    mail: { subject: draft.source.subject ?? null, from: draft.source.from ?? null, receivedAt: draft.source.receivedAt, problems: draft.problems.slice(0, 50) },
  };
}

export function connectMailEntryToRuntime(drafts: DraftsService, runtime: WorkflowRuntime, logger: Logger): void {
  /**
   * Who entered it (the order's intake actor): the holder of the task being completed (its
   * document is marked completed only after the command that runs this handler is saved), else,
   * on a retry after that save, whoever completed it last.
   */
  const enteredBy = async (instanceId: string): Promise<string> => {
    const actor = { ...SYSTEM, groups: [], canSeeAll: true, canAssign: false };
    const ofTask = (items: TaskView[]) => items.filter((t) => t.activityId === MAIL_ENTRY_TASK);
    const held = ofTask((await runtime.tasks.list({ instanceId, status: 'claimed', queue: 'all', limit: 10 }, actor)).items)[0];
    if (held?.claimedByLabel) return held.claimedByLabel;
    const done = ofTask((await runtime.tasks.list({ instanceId, status: 'completed', queue: 'all', limit: 50 }, actor)).items);
    const last = done.sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? ''))[0];
    return last?.completedBy?.label ?? 'operator';
  };

  runtime.registerHandler('intake.mail.enterOrder', async (input, ctx) => {
    const i = parse(enterInput, input);
    const who = await enteredBy(ctx.instanceId);
    try {
      const order = await drafts.resolve(i.draftId, i.order, ANONYMOUS, { fromTask: true, actorLabel: `data entry: ${who}` });
      return { orderNumber: order.number };
    } catch (err) {
      // the intake refused what was entered: the task comes back with the problems on the mail
      if (isAppError(err) && err.status >= 400 && err.status < 500 && err.issues?.length) throw new BpmnError('ORDER_INVALID', err.message);
      throw err;
    }
  });
  runtime.registerHandler('intake.mail.reject', async (input, ctx) => {
    const i = parse(rejectInput, input);
    await drafts.reject(i.draftId, i.reason, await enteredBy(ctx.instanceId));
    return { rejected: true };
  });

  drafts.tasks = {
    async create(draft) {
      const businessKey = mailBusinessKey(draft.id);
      // one task per mail, also for a redelivered mail or two nodes sweeping at once: the instance id is the mail's
      await runtime.startInstance({ id: `mail-entry:${draft.id}`, processKey: MAIL_ENTRY_PROCESS_KEY, businessKey, variables: mailEntryVariables(draft), actor: SYSTEM });
    },
    async cancel(draftId, reason) {
      const all = await runtime.listInstances({ processKey: MAIL_ENTRY_PROCESS_KEY, businessKey: mailBusinessKey(draftId), limit: 5 });
      for (const inst of all.items.filter((x) => x.status === 'waiting' || x.status === 'running' || x.status === 'failed')) {
        await runtime.cancelInstance(inst.id, SYSTEM, reason).catch((err) => logger.warn({ err, draftId }, 'could not cancel the data-entry task of a settled draft'));
      }
    },
  };
}

/** Mails stored while no runtime was wired, or whose task could not start then, get their task now. */
export async function startOpenDraftTasks(drafts: DraftsService, logger: Logger): Promise<number> {
  let started = 0;
  for (const draft of await drafts.list('open')) {
    try {
      await drafts.tasks?.create(draft);
      started++;
    } catch (err) {
      logger.warn({ err, draftId: draft.id }, 'the data-entry task of a stored mail could not start');
    }
  }
  return started;
}

/** Wires the handlers, deploys the built-in process, then makes sure every open mail has its task. */
export async function startMailDataEntry(deps: { drafts: DraftsService; runtime: WorkflowRuntime; logger: Logger; xml: string }): Promise<void> {
  connectMailEntryToRuntime(deps.drafts, deps.runtime, deps.logger);
  await deps.runtime.ensureDeployed(deps.xml);
  void startOpenDraftTasks(deps.drafts, deps.logger);
}

