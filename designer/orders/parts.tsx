import { useTranslation } from 'react-i18next';
import type { OrderStatus } from '../../workflows/model/order';
import { Badge } from '../app/ui';

const TONE: Record<OrderStatus, 'ok' | 'muted' | 'warn' | 'info'> = {
  received: 'info',
  'in-review': 'info',
  'on-hold': 'warn',
  approved: 'info',
  rejected: 'warn',
  allocated: 'info',
  printed: 'info',
  packed: 'info',
  shipped: 'ok',
  delivered: 'ok',
  cancelled: 'muted',
};

export function StatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useTranslation('orders');
  return <Badge tone={TONE[status]}>{t(`status.${status}`)}</Badge>;
}

/** A random key per form instance: a double submit is one order (Idempotency-Key). */
export const newFormKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
