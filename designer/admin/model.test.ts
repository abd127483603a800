import { groupsSchema } from '../../server/contracts/auth';
import { auditApiQuery, diffSnapshots, EMPTY_AUDIT_FILTERS, filtersFromParams, filtersToParams, groupProblem, GROUP_NAME, nextLimit, normalizeGroup } from './model';

describe('admin model', () => {
  it('given group names, then the designer accepts exactly what the server accepts', () => {
    const samples = ['reviewers', 'warehouse-2', 'a', 'x_y', '0day', 'a'.repeat(64), 'a'.repeat(65), '-lead', '_x', 'Reviewers', 'two words', '', 'ops.eu', '仓库', 'q$'];
    for (const name of samples) expect([name, GROUP_NAME.test(name)]).toEqual([name, groupsSchema.safeParse([name]).success]);
  });

  it('given typed input, then it is trimmed and lower-cased; duplicates and the 51st group are refused', () => {
    expect(normalizeGroup('  Reviewers ')).toBe('reviewers');
    expect(groupProblem('reviewers', [])).toBeUndefined();
    expect(groupProblem('reviewers', ['reviewers'])).toBe('duplicate');
    expect(groupProblem('bad name', [])).toBe('invalid');
    expect(groupProblem('g51', Array.from({ length: 50 }, (_, i) => `g${i}`))).toBe('tooMany');
  });

  it('given filters from the address bar, then unknown outcomes, malformed dates and limits fall back; the round trip keeps the rest', () => {
    const { filters, limit } = filtersFromParams(new URLSearchParams('action=user.*&outcome=maybe&from=2026-01-05&to=yesterday&limit=7'));
    expect(filters).toEqual({ ...EMPTY_AUDIT_FILTERS, action: 'user.*', from: '2026-01-05' });
    expect(limit).toBe(100);
    expect(filtersToParams({ ...filters, outcome: 'denied' }, 500).toString()).toBe('action=user.*&outcome=denied&from=2026-01-05&limit=500');
  });

  it('given a date range, then the API query covers both whole local days as instants', () => {
    const q = new URLSearchParams(auditApiQuery({ ...EMPTY_AUDIT_FILTERS, from: '2026-03-01', to: '2026-03-02', actor: ' a@b.c ' }, 200, 'csv'));
    expect(new Date(q.get('from')!).getTime()).toBe(new Date(2026, 2, 1, 0, 0, 0, 0).getTime());
    expect(new Date(q.get('to')!).getTime()).toBe(new Date(2026, 2, 2, 23, 59, 59, 999).getTime());
    expect([q.get('actor'), q.get('limit'), q.get('format'), q.has('action')]).toEqual(['a@b.c', '200', 'csv', false]);
  });

  it('offers a larger page only when the page was full', () => {
    expect(nextLimit(100, 37)).toBeUndefined();
    expect(nextLimit(100, 100)).toBe(200);
    expect(nextLimit(1000, 1000)).toBeUndefined();
  });

  it('given before and after snapshots, then each field is marked same, changed, added or removed; lists of values stay whole', () => {
    const rows = diffSnapshots({ role: 'operator', groups: ['packers'], name: 'Ann', meta: { a: 1 } }, { role: 'operator', groups: ['packers', 'reviewers'], name: 'Ann', locale: 'zh-CN' });
    expect(rows).toEqual([
      { path: 'role', before: 'operator', after: 'operator', change: 'same' },
      { path: 'groups', before: '["packers"]', after: '["packers","reviewers"]', change: 'changed' },
      { path: 'name', before: 'Ann', after: 'Ann', change: 'same' },
      { path: 'meta.a', before: '1', after: undefined, change: 'removed' },
      { path: 'locale', before: undefined, after: 'zh-CN', change: 'added' },
    ]);
  });

  it('given only an after snapshot, a plain value, or lists of objects, then the diff still reads', () => {
    expect(diffSnapshots(undefined, { email: 'x@y.z' })).toEqual([{ path: 'email', before: undefined, after: 'x@y.z', change: 'added' }]);
    expect(diffSnapshots({ status: 'open' }, 'cancelled')).toEqual([
      { path: 'status', before: 'open', after: undefined, change: 'removed' },
      { path: '', before: undefined, after: 'cancelled', change: 'added' },
    ]);
    expect(diffSnapshots({ lines: [{ sku: 'A', qty: 1 }] }, { lines: [{ sku: 'A', qty: 2 }] }).filter((r) => r.change !== 'same')).toEqual([{ path: 'lines.0.qty', before: '1', after: '2', change: 'changed' }]);
    expect(diffSnapshots(undefined, undefined)).toEqual([]);
  });
});
