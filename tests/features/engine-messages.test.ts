/**
 * Message buffering (Camunda 8 style): a message published with a time to live to a business key
 * whose instance does not wait for it yet is kept in the database and delivered, once, when the
 * instance reaches the catch event; expired messages are dropped; a message start still starts.
 */
import { useTestConnection } from '../helpers/db';
import { SYSTEM_ACTOR, type WorkflowRuntime } from '../../engine';
import { newRuntime, fixture, ADMIN_ACTOR, eventually } from './engine-harness';

describe('engine messages: buffered with a time to live', () => {
  const db = useTestConnection('engine_messages');
  let runtime: WorkflowRuntime;
  const buffer = () => db.connection.collection('buffered_messages');

  beforeAll(async () => {
    ({ runtime } = newRuntime(db.connection));
    await runtime.init();
    for (const f of ['buffered-payment', 'message-start']) await runtime.deploy({ xml: fixture(`${f}.bpmn`), actor: SYSTEM_ACTOR });
  });
  afterAll(() => runtime.stop());

  const approve = async (instanceId: string) => {
    const [task] = (await runtime.tasks.list({ queue: 'all', instanceId }, ADMIN_ACTOR)).items;
    await runtime.tasks.complete(task.id, { approved: true }, ADMIN_ACTOR);
  };
  const correlations = async (id: string) => (await runtime.getHistory(id)).filter((h) => h.type === 'message.correlated');

  it('given an instance not yet at its catch event, when a message is published with a time to live, then it is buffered and delivered once the instance reaches the catch event', async () => {
    const inst = await runtime.startInstance({ processKey: 'bufferedPayment', businessKey: 'ORD-1' });
    expect(inst.tokens).toEqual(['approve']);
    const published = await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-1', variables: { firstAmount: 10 }, timeToLiveMs: 60_000 });
    expect(published).toMatchObject({ result: 'buffered', instanceId: null, messageId: expect.any(String), expiresAt: expect.any(String) });
    expect(await buffer().countDocuments({ businessKey: 'ORD-1' })).toBe(1);

    await approve(inst.id);
    // the buffered message passed the first catch event; the instance waits at the second one
    const moved = await runtime.getInstance(inst.id);
    expect(moved).toMatchObject({ status: 'waiting', tokens: ['secondPayment'] });
    expect(moved.variables).toMatchObject({ firstAmount: 10 });
    expect(await buffer().countDocuments({ businessKey: 'ORD-1' })).toBe(0);
    expect((await correlations(inst.id)).map((h) => h.elementId)).toEqual(['firstPayment']);

    // a message to a waiting instance is correlated directly, as before
    expect(await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-1', variables: { secondAmount: 20 }, timeToLiveMs: 60_000 })).toEqual({ result: 'correlated', instanceId: inst.id });
    const done = await runtime.getInstance(inst.id);
    expect(done).toMatchObject({ status: 'completed', variables: { firstAmount: 10, secondAmount: 20 } });
  });

  it('given two messages buffered for one business key, when the instance waits for that message twice, then each is delivered once, oldest first', async () => {
    const inst = await runtime.startInstance({ processKey: 'bufferedPayment', businessKey: 'ORD-2' });
    await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-2', variables: { firstAmount: 1 }, timeToLiveMs: 60_000 });
    await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-2', variables: { secondAmount: 2 }, timeToLiveMs: 60_000 });
    await approve(inst.id);
    const done = await eventually(async () => ((await runtime.getInstance(inst.id)).status === 'completed' ? runtime.getInstance(inst.id) : null));
    expect(done.variables).toMatchObject({ firstAmount: 1, secondAmount: 2 });
    expect((await correlations(inst.id)).map((h) => h.elementId)).toEqual(['firstPayment', 'secondPayment']);
    expect(await buffer().countDocuments({ businessKey: 'ORD-2' })).toBe(0);
  });

  it('given no time to live, when nothing waits, then the answer is 404 and nothing is kept; with a messageId a second publish is refused while the first is buffered', async () => {
    await expect(runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-none' })).rejects.toMatchObject({ status: 404 });
    expect(await buffer().countDocuments({ businessKey: 'ORD-none' })).toBe(0);
    await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-3', timeToLiveMs: 60_000, messageId: 'pay-3' });
    await expect(runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-3', timeToLiveMs: 60_000, messageId: 'pay-3' })).rejects.toMatchObject({ status: 409 });
    expect(await buffer().countDocuments({ businessKey: 'ORD-3' })).toBe(1);
  });

  it('given a buffered message whose time to live has passed, then the instance reaching the catch event does not get it and the sweep drops it', async () => {
    const inst = await runtime.startInstance({ processKey: 'bufferedPayment', businessKey: 'ORD-4' });
    await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-4', variables: { firstAmount: 4 }, timeToLiveMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    await approve(inst.id);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ status: 'waiting', tokens: ['firstPayment'] });
    await runtime.sweep();
    expect(await buffer().countDocuments({ businessKey: 'ORD-4' })).toBe(0);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ status: 'waiting', tokens: ['firstPayment'] });
  });

  it('given a node stopped after the instance consumed a buffered message but before removing it, then the sweep removes it without delivering it again', async () => {
    const inst = await runtime.startInstance({ processKey: 'bufferedPayment', businessKey: 'ORD-5' });
    const published = await runtime.correlateMessage({ name: 'payment.received', businessKey: 'ORD-5', variables: { firstAmount: 5 }, timeToLiveMs: 60_000 });
    const entry = await buffer().findOne({ _id: published.messageId as never });
    await approve(inst.id);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ tokens: ['secondPayment'] });
    // the state such a crash leaves: the instance save recorded the message, the buffer still has it
    await buffer().insertOne(entry!);
    await runtime.sweep();
    expect(await buffer().countDocuments({ businessKey: 'ORD-5' })).toBe(0);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ status: 'waiting', tokens: ['secondPayment'] });
    expect(await correlations(inst.id)).toHaveLength(1);
  });

  it('given a buffered message and an instance that starts waiting later on its own, when the poller sweeps, then it is delivered', async () => {
    const inst = await runtime.startInstance({ processKey: 'bufferedPayment', businessKey: 'ORD-6' });
    await approve(inst.id);
    expect(await runtime.getInstance(inst.id)).toMatchObject({ tokens: ['firstPayment'] });
    // as if published while the instance moved (the publish looked before it waited): only the buffer has it
    await buffer().insertOne({ _id: 'race-6' as never, name: 'payment.received', businessKey: 'ORD-6', variables: JSON.stringify({ firstAmount: 6 }), createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000), publishedBy: SYSTEM_ACTOR });
    await runtime.sweep();
    expect(await runtime.getInstance(inst.id)).toMatchObject({ tokens: ['secondPayment'], variables: { firstAmount: 6 } });
    expect(await buffer().countDocuments({ businessKey: 'ORD-6' })).toBe(0);
  });

  it('a message start event still starts an instance when the message has a time to live', async () => {
    const res = await runtime.correlateMessage({ name: 'order.received', businessKey: 'MS-9', timeToLiveMs: 60_000 });
    expect(res.result).toBe('started');
    expect(await runtime.getInstance(res.instanceId!)).toMatchObject({ processKey: 'msgStart', businessKey: 'MS-9' });
  });
});
