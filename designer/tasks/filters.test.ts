import { EMPTY_FILTER, matchesFilter, matchesSearch, parseSavedFilters, sortTasks, upsertSaved } from './filters';
import { slaLevel, type InboxTask } from './model';
import { SLA_SOON_MS } from '../../server/contracts/realtime';

const NOW = Date.parse('2026-01-10T10:00:00Z');
const task = (id: string, over: Partial<InboxTask> = {}, fields: InboxTask['fields'] = {}): InboxTask => ({
  id,
  instanceId: 'i',
  processKey: 'order-fulfilment',
  elementId: 'manualReview',
  name: 'Manual review',
  businessKey: `SO-2026-00000${id}`,
  candidateGroups: ['reviewers'],
  candidateUsers: [],
  assignee: null,
  status: 'open',
  priority: 50,
  dueAt: null,
  createdAt: '2026-01-10T08:00:00Z',
  claimedAt: null,
  version: 1,
  formKey: null,
  noInput: false,
  at: '2026-01-10T09:00:00Z',
  ...over,
  fields,
});

const a = task('1', { priority: 80, dueAt: '2026-01-10T09:00:00Z' }, { channel: 'web', customer: 'Acme Trading', amount: 1200, warehouse: 'SH-1', sku: 'AB-100, CD-200' });
const b = task('2', { priority: 50, dueAt: '2026-01-10T10:45:00Z' }, { channel: 'email', customer: 'Beta 贸易', amount: 90.5, warehouse: 'BJ-2', sku: 'ZZ-9' });
const c = task('3', { priority: 50 }, { channel: 'web', customer: 'Gamma', warehouse: 'SH-1' });

describe('inbox filters, search and sorting', () => {
  it('filters on business fields, amount range, priority and due', () => {
    const pick = (f: Partial<typeof EMPTY_FILTER>) => [a, b, c].filter((t) => matchesFilter(t, { ...EMPTY_FILTER, ...f }, NOW)).map((t) => t.id);
    expect(pick({})).toEqual(['1', '2', '3']);
    expect(pick({ channel: 'web' })).toEqual(['1', '3']);
    expect(pick({ warehouse: 'SH-1', minAmount: '1000' })).toEqual(['1']);
    expect(pick({ maxAmount: '100' })).toEqual(['2']);
    expect(pick({ sku: 'cd-2' })).toEqual(['1']);
    expect(pick({ customer: '贸易' })).toEqual(['2']);
    expect(pick({ minPriority: '75' })).toEqual(['1']);
    expect(pick({ due: 'overdue' })).toEqual(['1']);
    expect(pick({ due: 'soon' })).toEqual(['2']);
    expect(pick({ due: 'none' })).toEqual(['3']);
  });

  it('calls a task due soon exactly when the inbox highlights it and the server warns: within SLA_SOON_MS', () => {
    const at = (ms: number) => task('s', { dueAt: new Date(NOW + ms).toISOString() }, {});
    const soonFilter = (ms: number) => matchesFilter(at(ms), { ...EMPTY_FILTER, due: 'soon' }, NOW);
    expect([soonFilter(SLA_SOON_MS), slaLevel(at(SLA_SOON_MS), NOW)]).toEqual([true, 'soon']);
    expect([soonFilter(SLA_SOON_MS + 1), slaLevel(at(SLA_SOON_MS + 1), NOW)]).toEqual([false, undefined]);
  });

  it('searches every word across order number, customer, SKU and warehouse', () => {
    expect([a, b, c].filter((t) => matchesSearch(t, 'acme ab-100')).map((t) => t.id)).toEqual(['1']);
    expect([a, b, c].filter((t) => matchesSearch(t, 'SO-2026-000002')).map((t) => t.id)).toEqual(['2']);
    expect([a, b, c].filter((t) => matchesSearch(t, '  ')).length).toBe(3);
  });

  it('sorts by any column with empty values last and due date as the tie-breaker', () => {
    expect(sortTasks([c, b, a], { key: 'priority', dir: 'desc' }).map((t) => t.id)).toEqual(['1', '2', '3']);
    expect(sortTasks([a, b, c], { key: 'amount', dir: 'asc' }).map((t) => t.id)).toEqual(['2', '1', '3']);
    expect(sortTasks([a, b, c], { key: 'amount', dir: 'desc' }).map((t) => t.id)).toEqual(['1', '2', '3']);
    expect(sortTasks([a, b, c], { key: 'customer', dir: 'asc' }).map((t) => t.id)).toEqual(['1', '2', '3']);
  });

  it('keeps saved filters by name and ignores broken storage', () => {
    const saved = upsertSaved(upsertSaved([], 'Web SH', { ...EMPTY_FILTER, channel: 'web' }), 'Web SH', { ...EMPTY_FILTER, channel: 'web', warehouse: 'SH-1' });
    expect(saved).toEqual([{ name: 'Web SH', filter: { ...EMPTY_FILTER, channel: 'web', warehouse: 'SH-1' } }]);
    expect(parseSavedFilters(JSON.stringify(saved))).toEqual(saved);
    expect(parseSavedFilters('{not json')).toEqual([]);
    expect(parseSavedFilters(JSON.stringify([{ name: 'x', filter: { channel: 7, sku: 'A' } }]))).toEqual([{ name: 'x', filter: { ...EMPTY_FILTER, sku: 'A' } }]);
  });

  it('given the escalated filter, then only tasks a boundary timer escalated match; an old saved filter without it still loads', () => {
    const escalated = task('4', { escalation: { at: '2026-01-10T09:30:00Z', timer: 'Pick late', from: 'Pick order', interrupting: true } });
    const f = { ...EMPTY_FILTER, escalation: 'escalated' as const };
    expect([a, b, escalated].filter((x) => matchesFilter(x, f, NOW)).map((x) => x.id)).toEqual(['4']);
    expect(parseSavedFilters(JSON.stringify([{ name: 'old', filter: { channel: 'web' } }]))[0].filter.escalation).toBe('');
  });
});
