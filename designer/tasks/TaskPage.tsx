/**
 * One task: claim, unclaim, assign / delegate (tasks.assign), the form (complete), comments, and
 * the order it belongs to (summary, lines, timeline, attachments). Changes by others arrive live.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import type { UserDto } from '../../server/contracts/auth';
import type { TaskCommentDto } from '../../server/contracts/inbox';
import { holderOf } from '../../server/contracts/inbox';
import type { TaskView } from '../../workflows/bpmn/views';
import { api, ApiError } from '../app/api';
import { ErrorBanner, Loading, Notice } from '../app/ui';
import { useSession } from '../app/session';
import { useFormat } from '../i18n/format';
import { tasksApi, type TaskDetail } from './api';
import { TaskForm, type TaskFormProps } from './form/TaskForm';
import { localizeForm } from './form/localize';
import { hasOrderLines, prefillFromOrder } from './form/prefill';
import { useLiveInbox } from './live';
import { MailPanel, mailDraftOf } from './MailPanel';
import type { OrderDetailDto } from './order-types';
import { channelLabel, DueCell, EscalationBadge, PriorityCell } from './parts';

export function TaskPage() {
  const { t, i18n } = useTranslation('tasks');
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { can } = useSession();
  const live = useLiveInbox();
  const { me, now } = live;
  const [task, setTask] = useState<TaskDetail>();
  const [loadError, setLoadError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setTask(await tasksApi.get(id));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err);
    }
  }, [id]);
  useEffect(() => void load(), [load]);

  // a change by someone else (socket) newer than what the page shows: reload the task
  const liveTask = live.state.tasks[id];
  useEffect(() => {
    if (task && liveTask && liveTask.version > task.version) void load();
  }, [liveTask, task, load]);

  if (loadError) {
    return (
      <div className="page">
        <BackLink />
        {loadError instanceof ApiError && loadError.status === 404 ? <div className="empty-state">{t('task.notFound')}</div> : <ErrorBanner error={loadError} />}
      </div>
    );
  }
  if (!task) return <Loading />;

  const holder = holderOf(task);
  const mine = holder !== null && (holder === me.email || holder === me.id || task.claimedBy === me.id);
  const active = task.status === 'open' || task.status === 'claimed';
  const canWork = can('tasks.work');
  const canAssign = can('tasks.assign');

  const act = async (run: () => Promise<TaskView>, message: string) => {
    setBusy(true);
    setActionError(undefined);
    setNotice(undefined);
    try {
      const view = await run();
      live.remember(view);
      setTask((cur) => (cur ? { ...cur, ...view } : cur));
      setNotice(message);
    } catch (err) {
      setActionError(err);
      void load();
    } finally {
      setBusy(false);
    }
  };

  const complete = async (data: Record<string, unknown>) => {
    const view = await tasksApi.complete(task.id, data);
    live.remember(view);
    navigate('/tasks?queue=mine', { state: { notice: t('task.completedNotice', { task: task.name ?? task.activityId, number: task.businessKey ?? '' }) } });
  };

  return (
    <div className="page page-wide task-page" data-task-id={task.id} data-status={task.status}>
      <BackLink />
      <header className="task-head">
        <div className="task-title">
          <h1>{task.name ?? task.activityId}</h1>
          <div className="task-meta">
            {task.businessKey ? <span className="order-ref">{task.businessKey}</span> : null}
            <span className={`badge badge-${task.status === 'open' ? 'info' : task.status === 'claimed' ? (mine ? 'ok' : 'warn') : 'muted'}`} data-holder={holder ?? ''}>
              {task.status === 'claimed' ? (mine ? t('holder.you') : t('task.claimedBy', { by: holder })) : t(`status.${task.status}`)}
            </span>
            {task.status === 'claimed' && task.owner ? (
              <span className="muted" data-owner={task.owner}>
                {t('task.delegatedBy', { by: task.owner })}
              </span>
            ) : null}
            <PriorityCell priority={task.priority} />
            <span className="muted">{t('columns.due')}:</span> <DueCell task={{ dueAt: task.dueAt, sla: liveTask?.sla, escalation: liveTask?.escalation }} now={now} />
            {liveTask ? <EscalationBadge task={liveTask} /> : null}
            <span className="muted">{t('task.created')}:</span>
            <Since at={task.createdAt} now={now} />
          </div>
        </div>
        {active && canWork ? (
          <div className="task-actions">
            {task.status === 'open' ? (
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void act(() => tasksApi.claim(task.id), t('task.claimedNotice'))}>
                {t('actions.claim')}
              </button>
            ) : null}
            {task.status === 'claimed' && (mine || canAssign) ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void act(() => tasksApi.unclaim(task.id), t('task.unclaimedNotice'))}>
                {t('actions.unclaim')}
              </button>
            ) : null}
            {/* the holder delegates (tasks.work, recorded as the owner); tasks.assign gives any active task to anyone eligible */}
            {canAssign || (mine && canWork && task.status === 'claimed') ? (
              <AssignControl busy={busy} delegate={mine} onAssign={(to) => act(() => (mine ? tasksApi.delegate(task.id, to) : tasksApi.assign(task.id, to)), t('task.assignedNotice', { to: to.email }))} />
            ) : null}
          </div>
        ) : null}
      </header>

      <LiveChange task={task} live={liveTask} me={me.email} />
      {notice ? <Notice onDismiss={() => setNotice(undefined)}>{notice}</Notice> : null}
      {actionError ? <ErrorBanner error={actionError} onDismiss={() => setActionError(undefined)} /> : null}

      <div className="task-grid">
        <div className="task-main">
          <section className="form-card" aria-labelledby="task-form-title">
            <h2 id="task-form-title">{(task.form ? localizeForm(task.form, i18n.language).title : undefined) ?? t('task.form')}</h2>
            {!active ? (
              <p className="muted">{t('task.notActive', { status: t(`status.${task.status}`) })}</p>
            ) : task.form ? (
              <OrderFilledForm form={task.form} initialData={task.data} number={task.businessKey && can('orders.read') ? task.businessKey : null} readOnly={!mine || !canWork} submitLabel={t('actions.complete')} onSubmit={complete} />
            ) : (
              <NoFormComplete disabled={!mine || !canWork} onComplete={() => complete({})} />
            )}
          </section>
          <Comments taskId={task.id} />
        </div>
        <aside className="task-side">{mailDraftOf(task) && can('orders.read') ? <MailPanel draftId={mailDraftOf(task)!} version={task.version} /> : task.businessKey && can('orders.read') ? <OrderPanels number={task.businessKey} /> : null}</aside>
      </div>
    </div>
  );
}

/** The task form; a form with an order-lines grid starts with the order's lines (see form/prefill.ts). */
function OrderFilledForm({ number, ...props }: TaskFormProps & { number: string | null }) {
  const schema = props.form.schema;
  const wants = !props.initialData && number !== null && hasOrderLines(schema);
  const [initial, setInitial] = useState<Record<string, unknown> | null | undefined>(wants ? undefined : (props.initialData ?? null));
  useEffect(() => {
    if (!wants) return;
    let live = true;
    tasksApi.order(number).then(
      (o) => live && setInitial(prefillFromOrder(schema, o.lines as unknown as Array<Record<string, unknown>>) ?? null),
      () => live && setInitial(null),
    );
    return () => {
      live = false;
    };
  }, [wants, number, schema]);
  if (initial === undefined) return <Loading />;
  return <TaskForm {...props} initialData={initial} />;
}

function BackLink() {
  const { t } = useTranslation('tasks');
  return (
    <Link to="/tasks" className="back-link">
      ← {t('task.back')}
    </Link>
  );
}

function Since({ at, now }: { at: string; now: number }) {
  const format = useFormat();
  return <span title={format.dateTime(at)}>{format.relative(at, new Date(now))}</span>;
}

/** Someone else claimed or finished the task while this page was open. */
function LiveChange({ task, live, me }: { task: TaskDetail; live: ReturnType<typeof useLiveInbox>['state']['tasks'][string] | undefined; me: string }) {
  const { t } = useTranslation('tasks');
  const holder = holderOf(task);
  if (task.status === 'claimed' && holder && holder !== me) {
    return (
      <div className="banner banner-warn" role="status" data-live="claimed">
        {t('task.heldBy', { by: holder })}
      </div>
    );
  }
  if ((task.status === 'completed' || task.status === 'cancelled') && live?.departed) {
    return (
      <div className="banner banner-warn" role="status" data-live={task.status}>
        {t(`holder.${task.status}By`, { by: live.departed.by ?? t('holder.someone') })}
      </div>
    );
  }
  return null;
}

function NoFormComplete({ disabled, onComplete }: { disabled: boolean; onComplete: () => Promise<void> }) {
  const { t } = useTranslation('tasks');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <p className="muted">{t('task.noForm')}</p>
      {error ? <ErrorBanner error={error} /> : null}
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={disabled || busy}
          onClick={() => {
            setBusy(true);
            onComplete().catch((err) => {
              setError(err);
              setBusy(false);
            });
          }}
        >
          {t('actions.complete')}
        </button>
        {disabled ? <span className="muted">{t('form.claimFirst')}</span> : null}
      </div>
    </>
  );
}

function AssignControl({ busy, delegate, onAssign }: { busy: boolean; delegate: boolean; onAssign: (to: { userId: string; email: string }) => Promise<void> }) {
  const { t } = useTranslation('tasks');
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [users, setUsers] = useState<UserDto[]>([]);
  useEffect(() => {
    if (!open || !can('users.read')) return;
    api.get<UserDto[]>('/api/users').then(
      (list) => setUsers(list.filter((u) => !u.disabled)),
      () => setUsers([]),
    );
  }, [open, can]);
  if (!open) {
    return (
      <button type="button" className="btn" disabled={busy} onClick={() => setOpen(true)}>
        {delegate ? t('actions.delegate') : t('actions.assign')}
      </button>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim().toLowerCase();
    if (!address) return;
    const known = users.find((u) => u.email === address);
    void onAssign({ userId: known?.id ?? address, email: address }).then(() => setOpen(false));
  };
  return (
    <form className="assign-form" onSubmit={submit} aria-label={delegate ? t('actions.delegate') : t('actions.assign')}>
      <input type="email" list="assign-users" value={email} onChange={(e) => setEmail(e.target.value)} placeholder={t('task.assignPlaceholder')} aria-label={t('task.assignTo')} autoFocus />
      <datalist id="assign-users">
        {users.map((u) => (
          <option key={u.id} value={u.email}>
            {u.name}
          </option>
        ))}
      </datalist>
      <button type="submit" className="btn btn-primary" disabled={busy || !email.trim()}>
        {delegate ? t('actions.delegate') : t('actions.assign')}
      </button>
      <button type="button" className="btn" onClick={() => setOpen(false)}>
        {t('common:actions.cancel')}
      </button>
    </form>
  );
}

function Comments({ taskId }: { taskId: string }) {
  const { t } = useTranslation('tasks');
  const format = useFormat();
  const [list, setList] = useState<TaskCommentDto[]>();
  const [error, setError] = useState<unknown>();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    tasksApi.comments(taskId).then(setList, setError);
  }, [taskId]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      const c = await tasksApi.addComment(taskId, text.trim());
      setList((l) => [...(l ?? []), c]);
      setText('');
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="form-card comments" aria-labelledby="comments-title">
      <h2 id="comments-title">{t('comments.title')}</h2>
      {error ? <ErrorBanner error={error} /> : null}
      {list?.length ? (
        <ol className="comment-list">
          {list.map((c) => (
            <li key={c.id} className="comment">
              <div className="comment-head">
                <strong>{c.author}</strong> <span className="muted">{format.dateTime(c.at)}</span>
              </div>
              <div className="comment-text">{c.text}</div>
            </li>
          ))}
        </ol>
      ) : list ? (
        <p className="muted">{t('comments.none')}</p>
      ) : null}
      <form className="comment-form" onSubmit={(e) => void submit(e)}>
        <textarea value={text} onChange={(e) => setText(e.target.value)} placeholder={t('comments.placeholder')} aria-label={t('comments.label')} rows={2} maxLength={2000} />
        <button type="submit" className="btn" disabled={busy || !text.trim()}>
          {t('comments.add')}
        </button>
      </form>
    </section>
  );
}

function OrderPanels({ number }: { number: string }) {
  const { t } = useTranslation('tasks');
  const format = useFormat();
  const [order, setOrder] = useState<OrderDetailDto>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    tasksApi.order(number).then(setOrder, setError);
  }, [number]);
  if (error) return <ErrorBanner error={error} />;
  if (!order) return <Loading />;
  const money = (n: number) => format.currency(n, order.currency);
  return (
    <>
      <section className="form-card order-summary" aria-labelledby="order-title" data-order={order.number}>
        <h2 id="order-title">{t('order.title', { number: order.number })}</h2>
        <dl className="kv">
          <dt>{t('order.customer')}</dt>
          <dd>
            {order.customer.name}
            {order.customer.company ? <span className="muted"> · {order.customer.company}</span> : null}
          </dd>
          <dt>{t('columns.channel')}</dt>
          <dd>{channelLabel(t, order.channel)}</dd>
          <dt>{t('order.status')}</dt>
          <dd>
            <span className="badge badge-info" data-order-status={order.status}>
              {t(`orderStatus.${order.status}`)}
            </span>
          </dd>
          <dt>{t('order.total')}</dt>
          <dd className="strong">{money(order.totals.total)}</dd>
          <dt>{t('columns.warehouse')}</dt>
          <dd>{order.allocation?.warehouse ?? '—'}</dd>
          <dt>{t('order.shipTo')}</dt>
          <dd>
            {order.shippingAddress.city}, {order.shippingAddress.country}
          </dd>
          {order.requestedDeliveryDate ? (
            <>
              <dt>{t('order.requested')}</dt>
              <dd>{format.date(order.requestedDeliveryDate)}</dd>
            </>
          ) : null}
        </dl>
        <table className="table order-lines">
          <thead>
            <tr>
              <th>{t('columns.sku')}</th>
              <th>{t('order.item')}</th>
              <th className="num">{t('order.qty')}</th>
              <th className="num">{t('order.lineTotal')}</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((l, i) => (
              <tr key={`${l.sku}-${i}`}>
                <td className="mono">{l.sku}</td>
                <td>{l.name}</td>
                <td className="num">
                  {format.number(l.quantity)} {l.unit}
                </td>
                <td className="num">{money(l.lineTotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {order.notes ? <p className="order-notes">{order.notes}</p> : null}
      </section>
      <section className="form-card" aria-labelledby="attachments-title">
        <h2 id="attachments-title">{t('order.attachments')}</h2>
        {order.attachments.length ? (
          <ul className="attachment-list">
            {order.attachments.map((a) => (
              <li key={a.id}>
                <span>{a.name}</span> <span className="muted">{a.contentType} · {format.number(Math.ceil(a.size / 1024))} KB</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('order.noAttachments')}</p>
        )}
      </section>
      <section className="form-card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('order.timeline')}</h2>
        <ol className="timeline">
          {[...order.timeline].reverse().map((e, i) => (
            <li key={`${e.at}-${i}`} className={`tl tl-${e.kind}`}>
              <span className="tl-when muted" title={format.dateTime(e.at)}>
                {format.dateTime(e.at)}
              </span>
              <span className="tl-what">
                {e.status ? <span className="badge badge-muted">{t(`orderStatus.${e.status}`)}</span> : null} {e.message}
                {e.actor ? <span className="muted"> · {e.actor}</span> : null}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
