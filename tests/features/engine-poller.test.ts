/**
 * The job poller of one node: a job stuck on a slow external call holds only its own slot, so the
 * node's other due timers still fire on time (before, a poll pass waited for its slowest job).
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR } from '../../engine';
import { newRuntime, fixture, eventually, FunctionConnectors } from './engine-harness';

describe('engine job poller', () => {
  const db = useTestConnection('engine_poller');

  it('given one timer job stuck in a slow service call, when other timers fall due on the same node, then they fire and their instances complete before the slow call returns', async () => {
    const connectors = new FunctionConnectors();
    let slowInstance = '';
    let entered = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    connectors.fns.set('test.count', async (_input, ctx) => {
      if (ctx.instanceId === slowInstance) {
        entered = true;
        await gate;
      }
      return { counted: true };
    });
    const { runtime } = newRuntime(db.connection, { connectors, nodeId: 'poller-node', jobConcurrency: 4 });
    try {
      await runtime.deploy({ xml: fixture('timer-count.bpmn'), actor: SYSTEM_ACTOR });
      await runtime.start();
      slowInstance = (await runtime.startInstance({ processKey: 'timerCount', businessKey: 'SLOW' })).id;
      await eventually(async () => entered, 20_000);

      const fast = await Promise.all(['FAST-1', 'FAST-2', 'FAST-3'].map((businessKey) => runtime.startInstance({ processKey: 'timerCount', businessKey })));
      for (const f of fast) {
        const done = await eventually(async () => (await runtime.getInstance(f.id)).status === 'completed' && true, 20_000);
        expect(done).toBe(true);
      }
      expect((await runtime.getInstance(slowInstance)).status).not.toBe('completed');

      release();
      expect(await eventually(async () => (await runtime.getInstance(slowInstance)).status === 'completed' && true, 20_000)).toBe(true);
    } finally {
      release();
      await runtime.stop();
    }
  });
});
