/** Small pieces shared by the inbox and the task page: priority, due date / SLA, holder, connection. */
import { useTranslation } from 'react-i18next';
import { CHANNELS } from '../../workflows/model/order';
import { useFormat } from '../i18n/format';
import { slaLevel, type InboxTask, type Me } from './model';
import type { Connection } from './live';

/** A translated order channel ('web' → 'Web shop'); unknown channels as they are. */
export function channelLabel(t: (key: string) => string, channel: unknown): string {
  if (channel === null || channel === undefined || channel === '') return '—';
  return (CHANNELS as readonly unknown[]).includes(channel) ? t(`channel.${String(channel)}`) : String(channel);
}


export type PriorityBand = 'urgent' | 'high' | 'normal' | 'low';

/** camunda:priority is a number (default 50); the inbox shows it as a band. */
export function priorityBand(p: number): PriorityBand {
  if (p >= 80) return 'urgent';
  if (p >= 60) return 'high';
  if (p >= 40) return 'normal';
  return 'low';
}

export function PriorityCell({ priority }: { priority: number }) {
  const { t } = useTranslation('tasks');
  const band = priorityBand(priority);
  return (
    <span className={`prio prio-${band}`} title={t('priority.value', { value: priority })}>
      {t(`priority.${band}`)}
    </span>
  );
}

export function DueCell({ task, now }: { task: Pick<InboxTask, 'dueAt' | 'sla' | 'escalation'>; now: number }) {
  const { t } = useTranslation('tasks');
  const format = useFormat();
  const level = slaLevel(task, now);
  if (!task.dueAt) return <span className="muted">{level === 'escalated' ? t('sla.escalated') : '—'}</span>;
  return (
    <span className={level ? `due due-${level}` : 'due'} title={format.dateTime(task.dueAt)}>
      {level ? <span className="due-flag">{t(`sla.${level}`)}</span> : null}
      {format.relative(task.dueAt, new Date(now))}
    </span>
  );
}

/** A boundary timer escalated the task: flagged in place, or the work was moved here (interrupting timer). */
export function EscalationBadge({ task }: { task: Pick<InboxTask, 'escalation' | 'sla'> }) {
  const { t } = useTranslation('tasks');
  if (!task.escalation && task.sla !== 'escalated') return null;
  const e = task.escalation;
  const title = e?.from ? t(e.interrupting ? 'sla.reassignedBy' : 'sla.escalatedBy', { timer: e.timer, from: e.from }) : t('sla.escalated');
  return (
    <span className="badge badge-escalated" title={title} data-escalated={e ? (e.interrupting ? 'reassigned' : 'flagged') : 'flagged'}>
      {t('sla.escalated')}
    </span>
  );
}

/** Who has the task: "You", a colleague's e-mail, or "Open". */
export function HolderCell({ task, me }: { task: Pick<InboxTask, 'assignee' | 'status' | 'departed'>; me: Me }) {
  const { t } = useTranslation('tasks');
  if (task.departed) {
    const by = task.departed.by ?? t('holder.someone');
    const label = task.departed.status === 'claimed' ? t('holder.takenBy', { by }) : t(`holder.${task.departed.status}By`, { by });
    return (
      <span className="holder holder-gone" title={label}>
        {label}
      </span>
    );
  }
  if (task.status !== 'claimed' || !task.assignee) return <span className="holder holder-open">{t('holder.open')}</span>;
  if (task.assignee === me.email || task.assignee === me.id) return <span className="holder holder-me">{t('holder.you')}</span>;
  return (
    <span className="holder" title={task.assignee}>
      {task.assignee}
    </span>
  );
}

export function ConnectionBadge({ connection }: { connection: Connection }) {
  const { t } = useTranslation('tasks');
  return (
    <span className={`live-dot live-${connection}`} role="status" data-connection={connection}>
      {t(`live.${connection}`)}
    </span>
  );
}
