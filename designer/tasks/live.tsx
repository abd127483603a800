/**
 * The live inbox: one socket.io connection (same session cookie as the page) and one InboxState for
 * the whole tasks area, so the inbox and a task page share what they know. Lists come from
 * /api/inbox; socket events keep them current; after a reconnect that the server could not recover
 * (socket.recovered === false) every list is fetched again.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { TASK_EVENTS, type ProgressEvent, type SlaEvent, type TaskEvent, type TaskEventName } from '../../server/contracts/realtime';
import { taskEventOf, type InboxQueue } from '../../server/contracts/inbox';
import type { TaskView } from '../../workflows/bpmn/views';
import { followJob, openSocket, type OrdoSocket } from '../app/job-progress';
import { useMe, useSession } from '../app/session';
import { tasksApi } from './api';
import { applySla, applyTaskEvent, EMPTY_INBOX, isActive, isEligible, isMine, mergeSnapshot, pruneDeparted, type InboxState, type InboxTask, type Me } from './model';

export const eventNameOf = (status: TaskView['status']): TaskEventName =>
  status === 'completed' ? 'task.completed' : status === 'cancelled' ? 'task.cancelled' : status === 'claimed' ? 'task.claimed' : 'task.unclaimed';

export type Connection = 'connecting' | 'live' | 'offline';

type Action =
  | { type: 'event'; name: TaskEventName; event: TaskEvent; me: Me; now: number }
  | { type: 'sla'; event: SlaEvent }
  | { type: 'snapshot'; items: InboxTask[]; at: string; covers: (t: InboxTask) => boolean }
  | { type: 'prune'; now: number };

function reducer(state: InboxState, a: Action): InboxState {
  switch (a.type) {
    case 'event':
      return applyTaskEvent(state, a.name, a.event, a.me, a.now);
    case 'sla':
      return applySla(state, a.event);
    case 'snapshot':
      return mergeSnapshot(state, a.items, a.at, a.covers);
    case 'prune':
      return pruneDeparted(state, a.now);
  }
}

export interface SlaNotice extends SlaEvent {
  businessKey: string | null;
  name: string;
}

export interface LiveInbox {
  me: Me;
  state: InboxState;
  connection: Connection;
  loading: boolean;
  loadError: unknown;
  /** queues whose list was cut at the page limit: total on the server */
  truncated: Partial<Record<InboxQueue, number>>;
  slaNotices: SlaNotice[];
  dismissSla(taskId: string): void;
  refetch(): Promise<void>;
  /** applies what a command answered at once (its socket event may follow or not) */
  remember(view: TaskView): void;
  /** follows a job this user started (bulk complete): progress events go to onProgress until the returned stop() */
  watchJob(jobId: string, onProgress: (e: ProgressEvent) => void): Promise<() => void>;
  now: number;
}

const LiveContext = createContext<LiveInbox | undefined>(undefined);

export function useLiveInbox(): LiveInbox {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLiveInbox() outside <LiveInboxProvider>');
  return live;
}

const covers: Record<InboxQueue, (me: Me) => (t: InboxTask) => boolean> = {
  mine: (me) => (t) => isActive(t) && isMine(t, me),
  groups: (me) => (t) => t.status === 'open' && isEligible(t, me),
  all: () => (t) => isActive(t),
};

export function LiveInboxProvider({ children }: { children: ReactNode }) {
  const { user, permissions } = useMe();
  const { reload } = useSession();
  // the task API counts the user's role as one of their groups (server/api/tasks/task-actor.ts)
  const me = useMemo<Me>(() => ({ id: user.id, email: user.email, groups: [...user.groups, user.role], seesAll: permissions.includes('tasks.all') }), [user, permissions]);
  const [state, dispatch] = useReducer(reducer, EMPTY_INBOX);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>();
  const [truncated, setTruncated] = useState<Partial<Record<InboxQueue, number>>>({});
  const [slaNotices, setSlaNotices] = useState<SlaNotice[]>([]);
  const [now, setNow] = useState(() => Date.now());
  const stateRef = useRef(state);
  stateRef.current = state;
  const inflight = useRef<AbortController | undefined>(undefined);
  const socketRef = useRef<OrdoSocket | undefined>(undefined);

  const refetch = useCallback(async () => {
    inflight.current?.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    const queues: InboxQueue[] = me.seesAll ? ['all'] : ['mine', 'groups'];
    try {
      const lists = await Promise.all(queues.map((q) => tasksApi.list(q, ctl.signal)));
      if (ctl.signal.aborted) return;
      const cut: Partial<Record<InboxQueue, number>> = {};
      lists.forEach((list, i) => {
        if (list.total > list.items.length) cut[queues[i]] = list.total;
        dispatch({ type: 'snapshot', items: list.items.map((t) => ({ ...t, at: list.at })), at: list.at, covers: covers[queues[i]](me) });
      });
      setTruncated(cut);
      setLoadError(undefined);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setLoadError(err);
    } finally {
      if (inflight.current === ctl) setLoading(false);
    }
  }, [me]);

  useEffect(() => {
    void refetch();
    const socket = openSocket();
    socketRef.current = socket;
    let connectedBefore = false;
    socket.on('connect', () => {
      setConnection('live');
      // a recovered session replays what was missed; otherwise the lists are read again
      if (connectedBefore && !socket.recovered) void refetch();
      connectedBefore = true;
    });
    socket.on('disconnect', (reason) => {
      setConnection('offline');
      // the server drops a user's sockets when their groups change (or their session ended): reading the
      // session again gives the new groups, and with them a new socket in the new rooms and fresh lists
      // (or the sign-in page)
      if (reason === 'io server disconnect') void reload();
    });
    socket.on('connect_error', () => setConnection('offline'));
    for (const name of TASK_EVENTS) {
      socket.on(name, (event: TaskEvent) => dispatch({ type: 'event', name, event, me, now: Date.now() }));
    }
    socket.on('task.sla', (event) => {
      dispatch({ type: 'sla', event });
      const t = stateRef.current.tasks[event.taskId];
      setSlaNotices((list) => [{ ...event, businessKey: t?.businessKey ?? null, name: t?.name ?? '' }, ...list.filter((n) => n.taskId !== event.taskId)].slice(0, 5));
    });
    const tick = setInterval(() => {
      const t = Date.now();
      setNow(t);
      dispatch({ type: 'prune', now: t });
    }, 1000);
    return () => {
      clearInterval(tick);
      inflight.current?.abort();
      socket.close();
    };
  }, [me, refetch, reload]);

  const value = useMemo<LiveInbox>(
    () => ({
      me,
      state,
      connection,
      loading,
      loadError,
      truncated,
      slaNotices,
      dismissSla: (taskId) => setSlaNotices((list) => list.filter((n) => n.taskId !== taskId)),
      refetch,
      watchJob: async (jobId, onProgress) => {
        const socket = socketRef.current;
        // joined before the job starts, so no progress is missed
        return socket?.connected ? followJob(socket, jobId, onProgress) : () => undefined;
      },
      remember: (view) => dispatch({ type: 'event', name: eventNameOf(view.status), event: taskEventOf(view, { by: me.email, at: new Date().toISOString() }), me, now: Date.now() }),
      now,
    }),
    [me, state, connection, loading, loadError, truncated, slaNotices, refetch, now],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
