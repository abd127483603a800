/**
 * Timer start events are schedules in the database: a deployed process with a timeCycle, timeDate
 * or timeDuration start event creates its instances on schedule, once per occurrence across nodes,
 * after restarts, for cycles beyond the 24.8 days a setTimeout can hold; a new version replaces the
 * schedule and suspending the process pauses it.
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { useNodes, eventually, FunctionConnectors } from './engine-harness';

const timerStartXml = (key: string, timer: string, opts: { name?: string; extraStart?: boolean } = {}) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_${key}" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="${key}" name="${opts.name ?? key}" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition>${timer}</bpmn:timerEventDefinition></bpmn:startEvent>
    ${opts.extraStart ? '<bpmn:startEvent id="manual" /><bpmn:sequenceFlow id="f0" sourceRef="manual" targetRef="count" />' : ''}
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="count" />
    <bpmn:serviceTask id="count"><bpmn:extensionElements><camunda:connector><camunda:connectorId>test.count</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const noneStartXml = (key: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_${key}" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="${key}" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

/** moves Date (and so the runtime clock) only; real timers, sockets and the database keep running */
const fakeDate = () => jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('engine timer start events: durable schedules', () => {
  const db = useTestConnection('engine_timer_start');
  const counts = new Map<string, number>();
  const connectors = new FunctionConnectors();
  connectors.fns.set('test.count', async (_input, ctx) => {
    counts.set(ctx.instanceId, (counts.get(ctx.instanceId) ?? 0) + 1);
    return {};
  });
  const node = useNodes(db, connectors);
  afterEach(() => jest.useRealTimers());

  const instancesOf = async (r: WorkflowRuntime, processKey: string) => (await r.listInstances({ processKey, limit: 500 })).items;
  const startedData = async (r: WorkflowRuntime, id: string) => (await r.getHistory(id)).find((h) => h.type === 'instance.started')!.data as { occurrence: number; scheduledAt: string; timerStart: string };

  it('given R3/PT1S deployed by a node that never polls, when two other nodes start on the database, then exactly three instances run, one per occurrence, and the schedule is done', async () => {
    const deployer = node('deployer');
    await deployer.deploy({ xml: timerStartXml('cycle3', '<bpmn:timeCycle>R3/PT1S</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    const schedule = await deployer.getSchedule('cycle3');
    expect(schedule.timerStarts).toEqual([expect.objectContaining({ eventId: 'tick', version: 1, type: 'timeCycle', value: 'R3/PT1S', state: 'active', fired: 0 })]);
    // the deploying node is gone: the schedule lives in the database, two fresh nodes run it
    const a = node('a');
    const b = node('b');
    await Promise.all([a.start(), b.start()]);
    await eventually(async () => (await a.getSchedule('cycle3')).timerStarts[0].state === 'done', 30_000);
    const items = await eventually(async () => {
      const list = await instancesOf(a, 'cycle3');
      return list.length === 3 && list.every((i) => i.status === 'completed') ? list : null;
    }, 30_000);
    const occurrences = await Promise.all(items.map((i) => startedData(a, i.id)));
    expect(occurrences.map((o) => o.occurrence).sort()).toEqual([1, 2, 3]);
    for (const i of items) expect(counts.get(i.id)).toBe(1);
    const done = (await a.getSchedule('cycle3')).timerStarts[0];
    expect(done).toMatchObject({ state: 'done', nextAt: null, fired: 3 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('given R/PT1H, when hours pass with two nodes polling at once, then each due occurrence starts one instance, missed ones are run once, and the next is the next hour ahead', async () => {
    const a = node('c');
    const b = node('d');
    const deployed = await a.deploy({ xml: timerStartXml('hourly', '<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    const anchor = new Date(deployed.definition.deployedAt).getTime();
    expect(new Date((await a.getSchedule('hourly')).timerStarts[0].nextAt!).getTime()).toBe(anchor + HOUR);
    expect(await Promise.all([a.runDueJobs(), b.runDueJobs()])).toEqual([0, 0]);
    fakeDate();
    jest.setSystemTime(anchor + HOUR + 1000);
    await Promise.all([a.runDueJobs(), b.runDueJobs(), a.runDueJobs()]);
    expect(await instancesOf(a, 'hourly')).toHaveLength(1);
    expect(new Date((await a.getSchedule('hourly')).timerStarts[0].nextAt!).getTime()).toBe(anchor + 2 * HOUR);
    // down for hours: occurrences 2..5 are missed, the overdue job runs once, the schedule goes on from now
    jest.setSystemTime(anchor + 5 * HOUR + 30 * 60_000);
    await Promise.all([a.runDueJobs(), b.runDueJobs()]);
    await Promise.all([a.runDueJobs(), b.runDueJobs()]);
    const items = await instancesOf(a, 'hourly');
    expect(items).toHaveLength(2);
    expect((await Promise.all(items.map((i) => startedData(a, i.id)))).map((d) => d.occurrence).sort()).toEqual([1, 2]);
    const next = (await a.getSchedule('hourly')).timerStarts[0];
    expect(new Date(next.nextAt!).getTime()).toBe(anchor + 6 * HOUR);
    expect(next.fired).toBe(2);
  });

  it('given a 40-day cycle (beyond a setTimeout), when its due date passes, then the job starts the instance and schedules the next 40 days on', async () => {
    const a = node('e');
    const deployed = await a.deploy({ xml: timerStartXml('fortyDays', '<bpmn:timeCycle>R/P40D</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    const anchor = new Date(deployed.definition.deployedAt).getTime();
    expect(new Date((await a.getSchedule('fortyDays')).timerStarts[0].nextAt!).getTime()).toBe(anchor + 40 * DAY);
    fakeDate();
    jest.setSystemTime(anchor + 40 * DAY + 1000);
    await a.runDueJobs();
    const [inst] = await instancesOf(a, 'fortyDays');
    expect(inst.status).toBe('completed');
    expect(counts.get(inst.id)).toBe(1);
    expect(new Date((await a.getSchedule('fortyDays')).timerStarts[0].nextAt!).getTime()).toBe(anchor + 80 * DAY);
  });

  it('given timeDuration and timeDate start events, then each starts one instance at its time (relative to the deployment, or the date) and is done', async () => {
    const a = node('f');
    const deployed = await a.deploy({ xml: timerStartXml('afterDeploy', '<bpmn:timeDuration>PT2H</bpmn:timeDuration>'), actor: SYSTEM_ACTOR });
    const anchor = new Date(deployed.definition.deployedAt).getTime();
    const date = new Date(anchor + 3 * DAY).toISOString();
    await a.deploy({ xml: timerStartXml('onDate', `<bpmn:timeDate>${date}</bpmn:timeDate>`), actor: SYSTEM_ACTOR });
    expect(new Date((await a.getSchedule('afterDeploy')).timerStarts[0].nextAt!).getTime()).toBe(anchor + 2 * HOUR);
    expect((await a.getSchedule('onDate')).timerStarts[0].nextAt).toBe(date);
    fakeDate();
    jest.setSystemTime(anchor + 2 * HOUR + 1000);
    await a.runDueJobs();
    expect(await instancesOf(a, 'afterDeploy')).toHaveLength(1);
    expect(await instancesOf(a, 'onDate')).toHaveLength(0);
    jest.setSystemTime(anchor + 10 * DAY);
    await a.runDueJobs();
    await a.runDueJobs();
    expect(await instancesOf(a, 'afterDeploy')).toHaveLength(1);
    expect(await instancesOf(a, 'onDate')).toHaveLength(1);
    for (const key of ['afterDeploy', 'onDate']) expect((await a.getSchedule(key)).timerStarts[0]).toMatchObject({ state: 'done', nextAt: null, fired: 1 });
  });

  it('given a scheduled process, when new versions are deployed, then an unchanged timer keeps its schedule on the new version, a changed one counts from its deployment, and a version without one removes it', async () => {
    const a = node('g');
    const v1 = await a.deploy({ xml: timerStartXml('versioned', '<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    const first = (await a.getSchedule('versioned')).timerStarts;
    expect(first).toEqual([expect.objectContaining({ version: 1, nextAt: new Date(new Date(v1.definition.deployedAt).getTime() + HOUR).toISOString() })]);
    await new Promise((r) => setTimeout(r, 20));
    await a.deploy({ xml: timerStartXml('versioned', '<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>', { name: 'renamed' }), actor: SYSTEM_ACTOR });
    expect((await a.getSchedule('versioned')).timerStarts).toEqual([expect.objectContaining({ version: 2, nextAt: first[0].nextAt })]);
    const v3 = await a.deploy({ xml: timerStartXml('versioned', '<bpmn:timeCycle>R/PT2H</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    expect((await a.getSchedule('versioned')).timerStarts).toEqual([expect.objectContaining({ version: 3, value: 'R/PT2H', nextAt: new Date(new Date(v3.definition.deployedAt).getTime() + 2 * HOUR).toISOString() })]);
    // the schedule fires the latest version
    fakeDate();
    jest.setSystemTime(new Date(v3.definition.deployedAt).getTime() + 2 * HOUR + 1000);
    await a.runDueJobs();
    const [inst] = await instancesOf(a, 'versioned');
    expect(inst.version).toBe(3);
    jest.useRealTimers();
    await a.deploy({ xml: noneStartXml('versioned'), actor: SYSTEM_ACTOR });
    expect((await a.getSchedule('versioned')).timerStarts).toEqual([]);
  });

  it('given a scheduled process, when it is suspended, then its schedule pauses and no instance starts; when activated, the schedule resumes with the next occurrence ahead', async () => {
    const a = node('h');
    const deployed = await a.deploy({ xml: timerStartXml('pausable', '<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>'), actor: SYSTEM_ACTOR });
    const anchor = new Date(deployed.definition.deployedAt).getTime();
    const paused = await a.suspendProcess('pausable', SYSTEM_ACTOR);
    expect(paused).toMatchObject({ suspended: true, timerStarts: [expect.objectContaining({ state: 'paused', nextAt: null })] });
    await expect(a.startInstance({ processKey: 'pausable' })).rejects.toMatchObject({ status: 409 });
    fakeDate();
    jest.setSystemTime(anchor + 3 * HOUR + 1000);
    await a.runDueJobs();
    expect(await instancesOf(a, 'pausable')).toHaveLength(0);
    const active = await a.activateProcess('pausable', SYSTEM_ACTOR);
    expect(active).toMatchObject({ suspended: false, timerStarts: [expect.objectContaining({ state: 'active', nextAt: new Date(anchor + 4 * HOUR).toISOString() })] });
    jest.setSystemTime(anchor + 4 * HOUR + 1000);
    await a.runDueJobs();
    expect(await instancesOf(a, 'pausable')).toHaveLength(1);
    // started by the API, a timer-start process runs at once (the timer belongs to the schedule)
    const manual = await a.startInstance({ processKey: 'pausable' });
    expect(manual.status).toBe('completed');
  });

  it('refuses at deploy, per element: a cron cycle, a cycle under a second, an expression, and a timer start beside another start event', async () => {
    const a = node('i');
    const refused = async (xml: string) => {
      const err = await a.deploy({ xml, actor: SYSTEM_ACTOR }).then(() => null, (e) => e);
      expect(err).toMatchObject({ status: 400 });
      return (err.issues as Array<{ path: string; message: string }>).filter((i) => i.path === 'tick').map((i) => i.message);
    };
    expect(await refused(timerStartXml('bad1', '<bpmn:timeCycle>0 0 9 * * ?</bpmn:timeCycle>'))).toEqual(expect.arrayContaining([expect.stringMatching(/cron expressions are not supported/)]));
    expect(await refused(timerStartXml('bad2', '<bpmn:timeCycle>R/PT0.1S</bpmn:timeCycle>'))).toEqual(expect.arrayContaining([expect.stringMatching(/at least 1000 ms/)]));
    expect(await refused(timerStartXml('bad3', '<bpmn:timeDuration>${later}</bpmn:timeDuration>'))).toEqual(expect.arrayContaining([expect.stringMatching(/cannot use an expression/)]));
    expect(await refused(timerStartXml('bad4', '<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>', { extraStart: true }))).toEqual(expect.arrayContaining([expect.stringMatching(/no other start event/)]));
    await expect(a.getSchedule('bad1')).rejects.toMatchObject({ status: 404 });
  });
});
