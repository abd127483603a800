/**
 * The SLA watch on a real database: it works through a backlog larger than one look, earliest due
 * first, never re-reads a task it already announced (nor one another node announced), and raises a
 * 'soon' task to 'overdue' once its due date passes.
 */
import type { Collection } from 'mongodb';
import { useTestConnection } from '../../tests/helpers/db';
import { createLogger } from '../infra/logger';
import { SLA_SOON_MS } from '../contracts/realtime';
import { SlaWatch } from './sla-watch';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const min = 60_000;

describe('SLA watch', () => {
  const db = useTestConnection('sla_watch');

  it('given more due tasks than one look reads, then each look announces the next ones by due date, once each, and a soon task is raised to overdue later', async () => {
    const tasks = db.connection.collection('tasks') as unknown as Collection<Record<string, unknown> & { _id: string }>;
    const task = (id: string, dueInMs: number | null, status = 'open') => ({ _id: id, status, businessKey: null, dueAt: dueInMs === null ? null : new Date(T0 + dueInMs), candidateGroups: ['reviewers'], candidateUsers: [], assignee: null, claimedBy: null, claimedByLabel: null });
    // inserted out of due order, so the natural order is not the due order
    await tasks.insertMany([
      task('o3', -60 * min),
      task('far', SLA_SOON_MS + 120 * min),
      task('o1', -180 * min),
      task('s1', SLA_SOON_MS / 2),
      task('done', -300 * min, 'completed'),
      task('o2', -120 * min, 'claimed'),
      task('none', null),
      task('o0', -240 * min),
    ]);
    // another node announced o0 already
    await db.connection.collection('taskSlaMarks').insertOne({ _id: 'o0:overdue' as never, at: new Date(T0) });

    const heard: Array<[string, string]> = [];
    let now = T0;
    const watch = new SlaWatch(db.connection, { realtime: { publishSla: (e) => heard.push([e.taskId, e.level]) }, logger: createLogger({ level: 'silent' }) }, { batch: 2, clock: () => new Date(now) });

    expect(await watch.tick()).toBe(1); // o0 (already announced elsewhere), o1
    expect(await watch.tick()).toBe(2); // o2, o3
    expect(await watch.tick()).toBe(1); // s1
    expect(await watch.tick()).toBe(0);
    expect(heard).toEqual([
      ['o1', 'overdue'],
      ['o2', 'overdue'],
      ['o3', 'overdue'],
      ['s1', 'soon'],
    ]);

    now = T0 + SLA_SOON_MS; // s1 is past due; far is not yet soon
    expect(await watch.tick()).toBe(1);
    expect(await watch.tick()).toBe(0);
    expect(heard.slice(4)).toEqual([['s1', 'overdue']]);
    expect((await tasks.find({ slaWarned: 'overdue' }).toArray()).map((t) => t._id).sort()).toEqual(['o0', 'o1', 'o2', 'o3', 's1']);
  });
});
