/**
 * Durability across runtimes on one database: a second runtime object resumes what the first left
 * waiting, timers fire exactly once with two nodes polling, many instances completed through two
 * nodes at once are each advanced once, and a timer longer than 24.8 days still fires.
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR } from '../../engine';
import { useNodes, fixture, eventually, ADMIN_ACTOR, reviewer, FunctionConnectors } from './engine-harness';

describe('engine durability: restarts, two nodes, long timers', () => {
  const db = useTestConnection('engine_durable');
  const counts = new Map<string, number>();
  const connectors = new FunctionConnectors();
  connectors.fns.set('test.count', async (_input, ctx) => {
    counts.set(ctx.instanceId, (counts.get(ctx.instanceId) ?? 0) + 1);
    return { counted: true };
  });
  const node = useNodes(db, connectors);

  it('given instances waiting at tasks and timers on node A, when A stops and node B starts on the same database, then B completes the tasks and fires every timer once', async () => {
    const a = node('node-a');
    await a.deploy({ xml: fixture('timer-count.bpmn'), actor: SYSTEM_ACTOR });
    await a.deploy({ xml: fixture('task-count.bpmn'), actor: SYSTEM_ACTOR });
    const timed = await Promise.all(Array.from({ length: 5 }, (_, i) => a.startInstance({ processKey: 'timerCount', businessKey: `T-${i}` })));
    const tasked = await Promise.all(Array.from({ length: 5 }, (_, i) => a.startInstance({ processKey: 'taskCount', businessKey: `U-${i}` })));
    expect(timed.every((i) => i.status === 'waiting')).toBe(true);
    await a.stop(); // A never started its poller: nothing of these instances lives in its memory either

    const b = node('node-b');
    await b.start();
    for (const t of timed) {
      const done = await eventually(async () => ((await b.getInstance(t.id)).status === 'completed' ? b.getInstance(t.id) : null));
      expect(done.path.elements).toContain('end');
    }
    for (const inst of tasked) {
      const { items } = await b.tasks.list({ queue: 'groups', instanceId: inst.id }, reviewer('r1'));
      await b.tasks.complete(items[0].id, { approved: true }, reviewer('r1'));
      expect((await b.getInstance(inst.id)).status).toBe('completed');
    }
    for (const inst of [...timed, ...tasked]) expect(counts.get(inst.id)).toBe(1);
    for (const t of timed) expect((await b.getHistory(t.id)).filter((h) => h.type === 'timer.fired')).toHaveLength(1);
  });

  it('given two nodes polling the same database, when 20 timers fall due, then each fires exactly once', async () => {
    const a = node('node-c');
    const b = node('node-d');
    const started = await Promise.all(Array.from({ length: 20 }, (_, i) => a.startInstance({ processKey: 'timerCount', businessKey: `D-${i}` })));
    await Promise.all([a.start(), b.start()]);
    for (const s of started) await eventually(async () => (await a.getInstance(s.id)).status === 'completed', 45_000);
    for (const s of started) {
      expect(counts.get(s.id)).toBe(1);
      const history = await b.getHistory(s.id);
      expect(history.filter((h) => h.type === 'timer.fired')).toHaveLength(1);
      expect(history.filter((h) => h.type === 'instance.completed')).toHaveLength(1);
    }
    await a.stop();
    await b.stop();
  });

  it('given 40 waiting tasks, when two nodes complete them concurrently (each task twice, once per node), then each instance is advanced exactly once', async () => {
    const a = node('node-e');
    const b = node('node-f');
    const instances = await Promise.all(Array.from({ length: 40 }, (_, i) => a.startInstance({ processKey: 'taskCount', businessKey: `P-${i}` })));
    const tasks = await Promise.all(instances.map(async (inst) => (await a.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR)).items[0]));
    const outcomes = await Promise.all(
      tasks.flatMap((t) => [
        a.tasks.complete(t.id, { approved: true }, ADMIN_ACTOR).then(() => 'ok', (e) => e.status),
        b.tasks.complete(t.id, { approved: false }, ADMIN_ACTOR).then(() => 'ok', (e) => e.status),
      ]),
    );
    // per task: one completion wins, the other is told the task is no longer waiting (409)
    for (let i = 0; i < tasks.length; i++) expect([outcomes[2 * i], outcomes[2 * i + 1]].sort()).toEqual([409, 'ok']);
    for (const inst of instances) {
      expect((await a.getInstance(inst.id)).status).toBe('completed');
      expect(counts.get(inst.id)).toBe(1);
      const history = await a.getHistory(inst.id);
      expect(history.filter((h) => h.type === 'task.completed')).toHaveLength(1);
      expect(history.filter((h) => h.type === 'element.entered' && h.elementId === 'end')).toHaveLength(1);
    }
  });

  it('given two operators, when both claim the same task at once, then exactly one claim wins', async () => {
    const a = node('node-g');
    const b = node('node-h');
    for (let i = 0; i < 10; i++) {
      const inst = await a.startInstance({ processKey: 'taskCount', businessKey: `C-${i}` });
      const [task] = (await a.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR)).items;
      const results = await Promise.all([a.tasks.claim(task.id, reviewer('ann')).then(() => 'ann', (e) => e.status), b.tasks.claim(task.id, reviewer('bob')).then(() => 'bob', (e) => e.status)]);
      expect(results.filter((r) => r === 409)).toHaveLength(1);
      const winner = results.find((r) => r !== 409);
      expect((await a.tasks.get(task.id, ADMIN_ACTOR)).claimedBy).toBe(winner);
    }
  });

  it('given a 30-day timer (beyond the 24.8 days a setTimeout can hold), when its due date passes, then the persisted job fires it', async () => {
    const a = node('node-i');
    await a.deploy({ xml: fixture('long-timer.bpmn'), actor: SYSTEM_ACTOR });
    const inst = await a.startInstance({ processKey: 'longTimer' });
    const due = new Date(inst.waits[0].dueAt!).getTime();
    expect(due - Date.now()).toBeGreaterThan(29.9 * 24 * 3600_000);
    expect(await a.runDueJobs()).toBe(0);
    // move the clock (Date only; real timers and sockets keep running) past the due date
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });
    try {
      jest.setSystemTime(due + 1000);
      await a.runDueJobs();
      const done = await a.getInstance(inst.id);
      expect(done.status).toBe('completed');
      expect((await a.getHistory(inst.id)).filter((h) => h.type === 'timer.fired')).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
