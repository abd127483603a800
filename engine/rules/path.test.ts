import { parsePath, resolvePath } from './path';

const order = { customer: { name: 'Acme' }, lines: [{ sku: 'A', qty: 1, tags: ['x'] }, { sku: 'B', qty: 2, tags: ['y', 'z'] }] };

describe('compiled path resolver', () => {
  it('resolves fields, indexes, projections and lengths', () => {
    expect(resolvePath(order, '$.customer.name')).toBe('Acme');
    expect(resolvePath(order, '$.lines[1].sku')).toBe('B');
    expect(resolvePath(order, '$.lines[*].sku')).toEqual(['A', 'B']);
    expect(resolvePath(order, '$.lines.length')).toBe(2);
    expect(resolvePath(['W1', 'W2'], '$[0]')).toBe('W1');
    expect(resolvePath(order, '$.lines[*].tags[*]')).toEqual(['x', 'y', 'z']);
  });

  it('answers undefined for what is not there, and a one-element projection stays a list', () => {
    expect(resolvePath(order, '$.billingAddress.country')).toBeUndefined();
    expect(resolvePath(order, '$.lines[5].sku')).toBeUndefined();
    expect(resolvePath({ lines: [{ sku: 'A' }] }, '$.lines[*].sku')).toEqual(['A']);
  });

  it('never walks into the prototype', () => {
    expect(resolvePath({}, '$.toString')).toBeUndefined();
    expect(parsePath('$.__proto__.polluted')).toMatch(/not allowed/);
    expect(parsePath('$.constructor')).toMatch(/not allowed/);
  });

  it('refuses JSONPath beyond the supported grammar', () => {
    expect(parsePath('$..sku')).toMatch(/unsupported syntax at character 2/);
    expect(parsePath('$.lines[?(@.qty > 1)]')).toMatch(/unsupported syntax/);
    expect(parsePath('lines')).toBe('must start with $');
    expect(() => resolvePath(order, '$.lines[-1]')).toThrow(/Invalid rule path/);
  });
});
