/**
 * socket.io on top of the HTTP server. Sockets authenticate with the same session cookie as the
 * page and are put only into rooms their user may see: `user:<id>`, `group:<g>` for each of the
 * user's candidate groups and their role, `tasks:all` with the tasks.all permission. A user with a record
 * scope joins the scoped variants of those rooms instead (server/auth/record-scope.ts: `group:g|c:<channel>`
 * …), and an event about an order goes to the variants its channel and warehouse match, so an event of an
 * order outside the scope never reaches the socket. Domain events are routed to
 * rooms, never broadcast to everyone, so no event leaks a task. With REDIS_URL the Redis streams
 * adapter carries events between nodes (the MongoDB adapter needs change streams, which FerretDB
 * lacks).
 */
import type http from 'node:http';
import type https from 'node:https';
import { Server, type Socket } from 'socket.io';
import { createClient, type RedisClientType } from 'redis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from '../infra/logger';
import type { AuthService } from '../auth/auth.service';
import { readSessionToken } from '../auth/session-cookie';
import { foreignOrigin } from './handshake-origin';
import type { Principal } from '../auth/principal';
import { eventRooms, normaliseScope, scopedRooms, scopeOf, type ScopeFacts } from '../auth/record-scope';
import type { ClientToServerEvents, ProgressEvent, ServerToClientEvents, SlaEvent, TaskEvent, TaskEventName } from '../contracts/realtime';

type UserPrincipal = Extract<Principal, { kind: 'user' }>;
interface SocketData {
  principal: UserPrincipal;
}
type OrdoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const rooms = {
  user: (id: string) => `user:${id}`,
  group: (g: string) => `group:${g}`,
  allTasks: 'tasks:all',
  /** a job others may follow too (a print batch): joined only by sockets whose scope covers it */
  job: (id: string) => `job:${id}`,
  /** a job of the caller's own with an id it chose (bulk complete): each user hears only their own */
  ownJob: (userId: string, id: string) => `job:${userId}:${id}`,
  /** every socket of a user, whatever its scope; never an event target, used to drop them */
  sockets: (userId: string) => `sockets:${userId}`,
};

/** The order facts a task event carries in its inbox columns; null for a task without an order. */
const factsOf = (e: Pick<TaskEvent, 'fields'>): ScopeFacts | null =>
  typeof e.fields?.channel === 'string' ? { channel: e.fields.channel, warehouse: typeof e.fields.warehouse === 'string' ? e.fields.warehouse : null } : null;

/** Which rooms hear about a task: its groups, its candidate users, its assignee, and admins. */
export function taskRooms(e: Pick<TaskEvent, 'candidateGroups' | 'candidateUsers' | 'assignee'>, userIdsByEmail?: (email: string) => string | undefined): string[] {
  const set = new Set<string>([rooms.allTasks]);
  for (const g of e.candidateGroups) set.add(rooms.group(g));
  for (const u of [...e.candidateUsers, ...(e.assignee ? [e.assignee] : [])]) set.add(rooms.user(userIdsByEmail?.(u) ?? u));
  return [...set];
}

/** What decides a user's socket rooms. */
const accessKey = (p: Pick<UserPrincipal, 'groups' | 'role' | 'scope'>) => JSON.stringify([[...p.groups].sort(), p.role, normaliseScope(p.scope)]);

export class RealtimeGateway {
  private io?: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  private redis?: RedisClientType;

  constructor(
    private readonly deps: {
      auth: AuthService;
      logger: Logger;
      redisUrl?: string;
      /** PUBLIC_URL: its origin is accepted besides the request's own host */
      publicUrl?: string;
      /**
       * Whether a socket may follow a shared job (print batch) by its id: the caller's record scope must
       * cover it (server/auth/record-scope.ts). Undefined: no such shared job; the id is the caller's own.
       */
      sharedJob?: (principal: Principal, jobId: string) => Promise<boolean | undefined>;
    },
  ) {}

  async attach(server: http.Server | https.Server): Promise<void> {
    const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
      serveClient: false,
      cors: { origin: false },
      // the handshake rides on the session cookie: only Ordo's own pages may open a socket
      allowRequest: (req, answer) => {
        const refusal = foreignOrigin(req.headers, this.deps.publicUrl);
        if (refusal) this.deps.logger.warn({ origin: req.headers.origin }, 'socket handshake from another origin refused');
        answer(refusal ?? null, !refusal);
      },
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    });
    if (this.deps.redisUrl) {
      this.redis = createClient({ url: this.deps.redisUrl });
      this.redis.on('error', (err) => this.deps.logger.warn({ err }, 'redis error (socket.io adapter)'));
      await this.redis.connect();
      io.adapter(createAdapter(this.redis));
      this.deps.logger.info('socket.io uses the Redis streams adapter');
    }

    this.guardRecovery(io);

    io.use(async (socket, next) => {
      try {
        const principal = await this.deps.auth.resolve({ sessionToken: readSessionToken(socket.request as never) });
        if (principal.kind !== 'user') return next(new Error('unauthenticated'));
        socket.data.principal = principal;
        next();
      } catch (err) {
        next(err as Error);
      }
    });

    io.on('connection', (socket: OrdoSocket) => this.onConnection(socket));
    this.io = io;
  }

  /**
   * A recovered session brings back its rooms and replays what they missed before any middleware runs,
   * so it is restored only while its user's access (groups, role, record scope) is what it was when the
   * socket dropped; otherwise the socket starts afresh in the rooms of its new access (and the client
   * reads its lists again).
   */
  private guardRecovery(io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>): void {
    const adapter = io.of('/').adapter;
    const restore = adapter.restoreSession.bind(adapter);
    // (typed as always finding one, the adapters answer null for an unknown session, as here)
    adapter.restoreSession = (async (pid: string, offset: string) => {
      const session = await restore(pid, offset);
      const was = (session?.data as Partial<SocketData> | undefined)?.principal;
      if (!session || !was?.sessionId) return null;
      const now = await this.deps.auth.resolveSession(was.sessionId).catch(() => undefined);
      return now?.kind === 'user' && now.userId === was.userId && accessKey(now) === accessKey(was) ? session : null;
    }) as typeof adapter.restoreSession;
  }

  private onConnection(socket: OrdoSocket): void {
    const p = socket.data.principal;
    // the task API counts the role as one of the user's groups (server/api/tasks/task-actor.ts)
    const groups = [...p.groups, p.role];
    const scope = scopeOf(p);
    const bases = [rooms.user(p.userId), rooms.user(p.email), ...groups.map(rooms.group), ...(p.permissions.has('tasks.all') ? [rooms.allTasks] : [])];
    void socket.join([rooms.sockets(p.userId), ...bases.flatMap((b) => scopedRooms(b, scope))]);

    socket.on('queue.join', (room, ack) => {
      if (typeof ack !== 'function') return;
      const allowed = (typeof room === 'string' && room.startsWith('group:') && groups.includes(room.slice(6))) || (room === rooms.allTasks && p.permissions.has('tasks.all'));
      if (!allowed) {
        this.deps.logger.warn({ user: p.email, room }, 'refused socket room join');
        return ack({ ok: false, error: 'forbidden' });
      }
      void socket.join(scopedRooms(room, scope));
      ack({ ok: true });
    });

    socket.on('job.watch', async (jobId, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof jobId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(jobId)) return ack({ ok: false, error: 'invalid job id' });
      try {
        const shared = await this.deps.sharedJob?.(p, jobId);
        if (shared === false) {
          this.deps.logger.warn({ user: p.email, jobId }, 'refused to follow a job outside the record scope');
          return ack({ ok: false, error: 'not found' });
        }
        await socket.join(shared ? rooms.job(jobId) : rooms.ownJob(p.userId, jobId));
        ack({ ok: true });
      } catch (err) {
        this.deps.logger.warn({ err, jobId }, 'job watch failed');
        ack({ ok: false, error: 'unavailable' });
      }
    });
  }

  /** Sends a task event to exactly the rooms that may see it (across nodes with Redis). */
  publishTask(name: TaskEventName, event: TaskEvent): void {
    this.io?.to(eventRooms(taskRooms(event), factsOf(event))).emit(name, event);
  }

  /** `facts`: the channel and warehouse of the task's order (null: only unscoped sockets hear it). */
  publishSla(event: SlaEvent & Pick<TaskEvent, 'candidateGroups' | 'candidateUsers' | 'assignee'>, facts: ScopeFacts | null = null): void {
    const { candidateGroups, candidateUsers, assignee, ...sla } = event;
    this.io?.to(eventRooms(taskRooms({ candidateGroups, candidateUsers, assignee }), facts)).emit('task.sla', sla);
  }

  /** Ends every socket of a user (sessions ended by an admin); across nodes with Redis. */
  disconnectUser(userId: string): void {
    this.io?.in(rooms.sockets(userId)).disconnectSockets(true);
  }

  /** `owner`: the user whose own job it is (bulk complete); without, a shared job (print batch). */
  publishProgress(event: ProgressEvent, owner?: string | null): void {
    this.io?.to(owner ? rooms.ownJob(owner, event.jobId) : rooms.job(event.jobId)).emit('progress', event);
  }

  /** Number of sockets connected to this node (health and benches). */
  localClientCount(): number {
    return this.io?.engine.clientsCount ?? 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
    if (this.redis?.isOpen) await this.redis.quit().catch(() => undefined);
  }
}
