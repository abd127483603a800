/**
 * The crash window between an instance save and the rows it implies: a node SIGKILLed right after
 * saving (before any history row, task or task completion is written) loses nothing. The save
 * carries its plan in the instance document; the dead node's watch job falls due and another
 * node's poller applies the plans that node saved since its last beat, once.
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, eventually, ADMIN_ACTOR, runEngineNode } from './engine-harness';

describe('engine crash window: a node killed right after an instance save', () => {
  const db = useTestConnection('engine_crash_window');
  let survivor: WorkflowRuntime;
  const raw = (name: string) => db.connection.collection(name);

  beforeAll(async () => {
    let connectors;
    ({ runtime: survivor, connectors } = newRuntime(db.connection, { nodeId: 'survivor' }));
    // the service step runs on the killed nodes; were it run here too, it would show as a second effect
    connectors.fns.set('test.count', async (_input, ctx) => raw('effects').insertOne({ _id: `${ctx.instanceId}:${ctx.activityId}` as never, node: 'survivor' }));
    await survivor.deploy({ xml: fixture('task-count.bpmn'), actor: SYSTEM_ACTOR });
  });
  afterAll(() => survivor.stop());

  it('given a node SIGKILLed after saving a new instance and after saving a task completion, then another node writes the missing history, task and completion, each once', async () => {
    const started = await runEngineNode({ ENGINE_NODE_DB: db.uri, ENGINE_NODE_ID: 'doomed-1', ENGINE_NODE_MODE: 'kill-after-start' }).done;
    expect(started.signal).toBe('SIGKILL');
    const inst = (await raw('instances').findOne({ businessKey: 'CRASH-1' }))!;
    expect(inst).toMatchObject({ status: 'waiting', rev: 1 });
    // the state the kill left: the instance is saved, nothing it implies is written yet
    expect(await raw('tasks').countDocuments({ instanceId: inst._id })).toBe(0);
    expect(await raw('history').countDocuments({ instanceId: inst._id })).toBe(0);
    expect(inst).toMatchObject({ planNode: 'doomed-1' });
    expect(JSON.parse(inst.plan as string)).toMatchObject({ rev: 1 });
    expect(await raw('jobs').findOne({ _id: 'watch:doomed-1' as never })).toMatchObject({ kind: 'watch' });

    await survivor.start();
    const [task] = await eventually(async () => {
      const { items } = await survivor.tasks.list({ queue: 'all', instanceId: String(inst._id) }, ADMIN_ACTOR);
      return items.length ? items : null;
    });
    expect(task).toMatchObject({ activityId: 'approve', status: 'open' });
    const history = await survivor.getHistory(String(inst._id));
    expect(history.filter((h) => h.type === 'instance.started')).toHaveLength(1);
    expect(history.filter((h) => h.type === 'task.created')).toHaveLength(1);
    // looked after: the dead node's watch is gone
    await eventually(async () => (await raw('jobs').countDocuments({ _id: 'watch:doomed-1' as never })) === 0);

    const completed = await runEngineNode({ ENGINE_NODE_DB: db.uri, ENGINE_NODE_ID: 'doomed-2', ENGINE_NODE_MODE: 'kill-after-complete', ENGINE_NODE_INSTANCE: String(inst._id) }).done;
    expect(completed.signal).toBe('SIGKILL');
    expect(await raw('instances').findOne({ _id: inst._id })).toMatchObject({ status: 'completed', rev: 2, planNode: 'doomed-2' });
    const done = await eventually(async () => {
      const t = await survivor.tasks.get(task.id, ADMIN_ACTOR);
      return t.status === 'completed' ? t : null;
    });
    expect(done.data).toEqual({ approved: true });
    const after = await eventually(async () => {
      const h = await survivor.getHistory(String(inst._id));
      return h.some((e) => e.type === 'instance.completed') ? h : null;
    });
    for (const type of ['instance.started', 'task.created', 'task.completed', 'instance.completed'] as const) expect(after.filter((h) => h.type === type)).toHaveLength(1);
    expect(after.filter((h) => h.type === 'element.entered' && h.elementId === 'count')).toHaveLength(1);
    expect(await raw('effects').countDocuments({})).toBe(1);
    expect(await raw('duplicates').countDocuments({})).toBe(0);
  });

  it('given a node SIGKILLed after saving a new instance, when another node advances that instance before the dead node is looked after, then it applies the dead node plan first (the task exists, then is completed, each once)', async () => {
    const started = await runEngineNode({ ENGINE_NODE_DB: db.uri, ENGINE_NODE_ID: 'doomed-3', ENGINE_NODE_MODE: 'kill-after-start', ENGINE_NODE_KEY: 'CRASH-3' }).done;
    expect(started.signal).toBe('SIGKILL');
    const inst = (await raw('instances').findOne({ businessKey: 'CRASH-3' }))!;
    expect(await raw('tasks').countDocuments({ instanceId: inst._id })).toBe(0);
    // a node without a poller: nothing looks after doomed-3 meanwhile
    const { runtime: other, connectors } = newRuntime(db.connection, { nodeId: 'other' });
    connectors.fns.set('test.count', async () => ({ counted: true }));
    const wait = (inst.waits as Array<{ activityId: string; executionId: string }>)[0];
    await other.command(String(inst._id), { kind: 'completeTask', activityId: wait.activityId, executionId: wait.executionId, data: { approved: true }, actor: SYSTEM_ACTOR });
    const task = (await raw('tasks').findOne({ instanceId: inst._id }))!;
    expect(task).toMatchObject({ status: 'completed', data: JSON.stringify({ approved: true }) });
    const history = await other.getHistory(String(inst._id));
    for (const type of ['instance.started', 'task.created', 'task.completed', 'instance.completed'] as const) expect(history.filter((h) => h.type === type)).toHaveLength(1);
  });
  it('given a save whose plan is not applied yet, then a reader still gets every history row: the ones the plan is to insert (the save before\'s) and the save\'s own', async () => {
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const atSave = new Promise<void>((r) => (reached = r));
    const { runtime: node, connectors } = newRuntime(db.connection, {
      nodeId: 'held',
      // hold the completion right after its save, before its plan moves the start's rows into the collection
      faults: { afterInstanceSave: async (_saved, command) => { if (command.kind === 'completeTask') { reached(); await held; } } },
    });
    connectors.fns.set('test.count', async () => ({ counted: true }));
    const inst = await node.startInstance({ processKey: 'taskCount', businessKey: 'CRASH-HELD' });
    const { items } = await node.tasks.list({ queue: 'all', instanceId: inst.id }, ADMIN_ACTOR);
    const completing = node.tasks.complete(items[0].id, { approved: true }, ADMIN_ACTOR);
    await atSave;
    expect(await raw('history').countDocuments({ instanceId: inst.id })).toBe(0);
    const history = await survivor.getHistory(inst.id);
    for (const type of ['instance.started', 'task.created', 'task.completed', 'instance.completed'] as const) expect({ type, n: history.filter((h) => h.type === type).length }).toEqual({ type, n: 1 });
    release();
    await completing;
    const after = await survivor.getHistory(inst.id);
    expect(after.map((h) => h.type)).toEqual(history.map((h) => h.type));
  });
});
