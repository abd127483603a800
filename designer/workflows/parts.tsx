/** Small pieces shared by the workflows pages. */
import { useTranslation } from 'react-i18next';
import { Badge } from '../app/ui';
import type { InstanceStatusView } from './api';

/** Saves text as a file through a blob link (no server round trip). */
export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const TONE: Record<InstanceStatusView, 'ok' | 'muted' | 'warn' | 'info'> = {
  running: 'info',
  waiting: 'info',
  completed: 'ok',
  failed: 'warn',
  cancelled: 'muted',
};

export function StatusBadge({ status, incident }: { status: InstanceStatusView; incident?: boolean }) {
  const { t } = useTranslation('workflows');
  return (
    <span className="wf-status" data-status={status}>
      <Badge tone={TONE[status]}>{t(`status.${status}`)}</Badge>
      {incident ? <span className="badge wf-badge-incident">{t('instances.incident')}</span> : null}
    </span>
  );
}
