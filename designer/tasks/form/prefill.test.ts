import pickConfirm from '../../../workflows/forms/pick-confirm.form.json';
import manualReview from '../../../workflows/forms/manual-review.form.json';
import { hasOrderLines, prefillFromOrder } from './prefill';

const lines = [
  { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 8, unitPrice: 89, unit: 'pcs' },
  { sku: 'LAMP-STEEL', name: 'Steel desk lamp', quantity: 2.5, unitPrice: 39.5 },
];

describe('order lines into a form’s lines grid', () => {
  it('given the pick-confirm form, then each order line becomes a row with the grid’s properties only', () => {
    expect(hasOrderLines(pickConfirm.schema)).toBe(true);
    expect(prefillFromOrder(pickConfirm.schema, lines)).toEqual({
      lines: [
        { sku: 'CHAIR-OAK', name: 'Oak chair', quantity: 8 },
        // a fractional quantity does not fit an integer column: left for the operator
        { sku: 'LAMP-STEEL', name: 'Steel desk lamp' },
      ],
    });
  });

  it('given a form without a lines grid, then nothing is filled', () => {
    expect(hasOrderLines(manualReview.schema)).toBe(false);
    expect(prefillFromOrder(manualReview.schema, lines)).toBeUndefined();
    expect(prefillFromOrder({ type: 'object', properties: { lines: { type: 'array', items: { type: 'string' } } } }, lines)).toBeUndefined();
  });
});
