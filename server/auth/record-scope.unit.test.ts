import { NotFoundError } from '../../workflows/model/errors';
import { assertInScope, eventRooms, inScope, normaliseScope, scopedRooms, scopeFilter, scopeOf, type RecordScope, type ScopeFacts } from './record-scope';

const CH: RecordScope = { channels: ['phone'], warehouses: [] };
const WH: RecordScope = { channels: [], warehouses: ['DE-1'] };
const BOTH: RecordScope = { channels: ['phone', 'web'], warehouses: ['DE-1'] };
const ORDERS: ScopeFacts[] = [
  { channel: 'phone', warehouse: null },
  { channel: 'phone', warehouse: 'DE-1' },
  { channel: 'phone', warehouse: 'NL-1' },
  { channel: 'web', warehouse: '' },
  { channel: 'api', warehouse: 'DE-1' },
  { channel: 'api', warehouse: null },
];

describe('record scope rule', () => {
  it('given no scope or empty lists, then every order is visible and the filter is empty', () => {
    expect(ORDERS.every((o) => inScope(null, o))).toBe(true);
    expect(scopeOf({ kind: 'apiKey', keyId: 'k', name: 'k', permissions: new Set(), scope: { channels: [], warehouses: [] } })).toBeNull();
    expect(scopeOf({ kind: 'anonymous' })).toBeNull();
    expect(scopeFilter(null)).toEqual({});
  });

  it('given a channel scope, then its channels’ orders are visible, allocated or not', () => {
    expect(ORDERS.map((o) => inScope(CH, o))).toEqual([true, true, true, false, false, false]);
  });

  it('given a warehouse-only scope, then only orders allocated there are visible (never unallocated ones)', () => {
    expect(ORDERS.map((o) => inScope(WH, o))).toEqual([false, true, false, false, true, false]);
  });

  it('given channels and warehouses, then orders of those channels allocated there or not allocated yet are visible', () => {
    expect(ORDERS.map((o) => inScope(BOTH, o))).toEqual([true, true, false, true, false, false]);
  });

  it('given a record that is no order, then every non-empty scope hides it, with the 404 a missing record gives', () => {
    expect(inScope(CH, null)).toBe(false);
    expect(() => assertInScope(CH, undefined, 'Task t1')).toThrow(NotFoundError);
    expect(() => assertInScope(null, undefined, 'Task t1')).not.toThrow();
  });

  it('given socket rooms, then an event reaches a scoped socket exactly when the predicate holds', () => {
    for (const scope of [CH, WH, BOTH, null]) {
      const joined = new Set(scopedRooms('group:packers', scope));
      for (const o of ORDERS) expect([scope, o, eventRooms(['group:packers'], o).some((r) => joined.has(r))]).toEqual([scope, o, inScope(scope, o)]);
      // an event without order facts reaches unscoped sockets only
      expect(eventRooms(['group:packers'], null).some((r) => joined.has(r))).toBe(scope === null);
    }
  });

  it('given odd names, then room names stay unambiguous and lists are normalised', () => {
    const odd: RecordScope = { channels: ['phone'], warehouses: ['A|c:web', 'unallocated'] };
    expect(eventRooms(['g'], { channel: 'phone', warehouse: null }).some((r) => scopedRooms('g', odd).includes(r))).toBe(true);
    expect(eventRooms(['g'], { channel: 'web', warehouse: null }).some((r) => scopedRooms('g', odd).includes(r))).toBe(false);
    expect(normaliseScope({ channels: [' phone', 'phone'], warehouses: ['', ' DE-1 '] })).toEqual({ channels: ['phone'], warehouses: ['DE-1'] });
  });

  it('given a filter, then it states the same rule for the orders collection', () => {
    expect(scopeFilter(CH)).toEqual({ channel: { $in: ['phone'] } });
    expect(scopeFilter(WH)).toEqual({ $or: [{ 'allocation.warehouse': { $in: ['DE-1'] } }] });
    expect(scopeFilter(BOTH)).toEqual({
      channel: { $in: ['phone', 'web'] },
      $or: [{ 'allocation.warehouse': { $in: ['DE-1'] } }, { 'allocation.warehouse': { $exists: false } }, { 'allocation.warehouse': null }, { 'allocation.warehouse': '' }],
    });
  });
});
