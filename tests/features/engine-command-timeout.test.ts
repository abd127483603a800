/**
 * A command that overruns its time limit (an overloaded node, a slow service) is abandoned unsaved,
 * as after a crash, and retried; the instance never ends up failed at a state it may have moved past.
 */
import { useTestConnection } from '../helpers/db';
import { ConnectorError } from '../../connectors/sdk/errors';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, eventually, FunctionConnectors } from './engine-harness';

describe('engine command time limit', () => {
  const db = useTestConnection('engine_command_timeout');
  const connectors = new FunctionConnectors();
  /** per instance (or business key for a start), what each attempt does */
  const plan = new Map<string, Array<'fail' | 'hang' | 'ok' | 'gate'>>();
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const calls: Array<{ key: string; attempt: number }> = [];
  connectors.fns.set('flaky.call', async (_input, ctx) => {
    const key = ctx.businessKey ?? ctx.instanceId;
    calls.push({ key, attempt: ctx.attempt });
    const step = plan.get(key)?.[calls.filter((c) => c.key === key).length - 1] ?? 'ok';
    if (step === 'fail') throw new ConnectorError('upstream 503', { retryable: true });
    if (step === 'hang') await new Promise((r) => setTimeout(r, 2500));
    if (step === 'gate') await gate;
    return { ok: ctx.attempt };
  });
  let runtime: WorkflowRuntime;
  beforeAll(async () => {
    ({ runtime } = newRuntime(db.connection, { connectors, commandTimeoutMs: 800, retry: { baseMs: 100, maxMs: 400 } }));
    await runtime.start();
    await runtime.deploy({ xml: fixture('retry.bpmn'), actor: SYSTEM_ACTOR });
  });
  afterAll(() => runtime.stop());

  it('given a start whose service call overruns the limit, then the start answers 503 and saves nothing, and a second start completes', async () => {
    plan.set('OVERRUN-1', ['hang']);
    await expect(runtime.startInstance({ processKey: 'retry', businessKey: 'OVERRUN-1' })).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/did not settle within 800 ms; nothing of it was saved/) });
    expect(await db.connection.db!.collection('instances').countDocuments({ businessKey: 'OVERRUN-1' })).toBe(0);
    const again = await runtime.startInstance({ processKey: 'retry', businessKey: 'OVERRUN-1' });
    expect(again).toMatchObject({ status: 'completed', incident: false });
  });

  it('given a retry whose call overruns the limit, then the instance is not failed: the retry job runs again, the attempt is counted, and the instance completes', async () => {
    plan.set('OVERRUN-2', ['fail', 'hang', 'ok']);
    const inst = await runtime.startInstance({ processKey: 'retry', businessKey: 'OVERRUN-2' });
    // the first call failed inside the start: the instance waits for its retry job
    expect(inst).toMatchObject({ status: 'running', incident: false });
    const done = await eventually(async () => ((await runtime.getInstance(inst.id)).status === 'completed' ? runtime.getInstance(inst.id) : null), 20_000);
    expect(done).toMatchObject({ incident: false, variables: { answer: { ok: 3 } } });
    expect(calls.filter((c) => c.key === 'OVERRUN-2').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(await runtime.listIncidents({ instanceId: inst.id })).toEqual([]);
    const history = await runtime.getHistory(inst.id);
    expect(history.some((h) => h.type === 'instance.failed')).toBe(false);
  });

  it('given a start waiting on its service call, then the node\'s activity shows it running with its age, and nothing once it is saved', async () => {
    // a runtime without the short time limit: the call waits as long as the test holds it
    const { runtime: patient } = newRuntime(db.connection, { connectors });
    plan.set('ACTIVITY-1', ['gate']);
    const started = patient.startInstance({ processKey: 'retry', businessKey: 'ACTIVITY-1' });
    const seen = await eventually(async () => patient.activity().commands.find((c) => c.command === 'start') ?? null, 10_000);
    expect(seen).toMatchObject({ command: 'start', phase: 'run', ms: expect.any(Number) });
    openGate();
    expect(await started).toMatchObject({ status: 'completed' });
    expect(patient.activity().commands).toEqual([]);
    await patient.stop();
  });
});
