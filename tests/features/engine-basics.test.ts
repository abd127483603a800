import { useTestConnection } from '../helpers/db';
import { newRuntime, fixture, reviewer, ADMIN_ACTOR } from './engine-harness';
import { SYSTEM_ACTOR } from '../../engine';

describe('engine: deploy, start, user task, complete', () => {
  const db = useTestConnection('engine_basics');

  it('given the approval flow, when a reviewer completes the task, then the instance takes the approved path and is completed', async () => {
    const { runtime, events } = newRuntime(db.connection);
    const seen: string[] = [];
    events.on('task.created', (t) => seen.push(`created:${t.activityId}`));
    events.on('task.completed', (t) => seen.push(`completed:${t.activityId}`));
    const dep = await runtime.deploy({ xml: fixture('user-task.bpmn'), actor: SYSTEM_ACTOR });
    expect(dep.definition).toMatchObject({ key: 'approval', version: 1 });
    const inst = await runtime.startInstance({ processKey: 'approval', businessKey: 'SO-1', variables: { orderId: 'SO-1' } });
    expect(inst.status).toBe('waiting');
    expect(inst.tokens).toEqual(['approve']);
    expect(inst.variables).toMatchObject({ stage: 'prepared', label: 'Order SO-1' });
    const { items } = await runtime.tasks.list({ queue: 'groups' }, reviewer('r1'));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ activityId: 'approve', candidateGroups: ['reviewers'], priority: 70, formKey: 'approve', status: 'open' });
    await runtime.tasks.claim(items[0].id, reviewer('r1'));
    await runtime.tasks.complete(items[0].id, { approved: true }, reviewer('r1'));
    const done = await runtime.getInstance(inst.id);
    expect(done.status).toBe('completed');
    expect(done.path.elements).toEqual(expect.arrayContaining(['start', 'prepare', 'approve', 'decide', 'endApproved']));
    expect(done.path.flows).toContain('fYes');
    expect(done.path.flows).not.toContain('fNo');
    expect(seen).toEqual(['created:approve', 'completed:approve']);
    const history = await runtime.getHistory(inst.id);
    expect(history.map((h) => h.type)).toEqual(expect.arrayContaining(['instance.started', 'element.entered', 'element.left', 'flow.taken', 'task.created', 'task.claimed', 'task.completed', 'instance.completed']));
    void ADMIN_ACTOR;
  });
});
