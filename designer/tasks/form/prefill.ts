/**
 * A form with an order-lines grid (an array of objects named `lines`) starts with the order's lines:
 * each row takes the order line's values for the properties the grid has (sku, name, quantity …)
 * when their types match, so an operator edits what was ordered instead of typing it again.
 */
type Schema = Record<string, unknown>;

function linesItems(schema: Schema): Record<string, Schema> | undefined {
  const lines = (schema.properties as Record<string, Schema> | undefined)?.lines;
  const items = lines?.type === 'array' ? (lines.items as Schema | undefined) : undefined;
  return items && !Array.isArray(items) && items.type === 'object' ? (items.properties as Record<string, Schema> | undefined) : undefined;
}

/** Whether the form has a `lines` grid the order can fill. */
export const hasOrderLines = (schema: Schema) => linesItems(schema) !== undefined;

function fits(prop: Schema, v: unknown): boolean {
  switch (prop.type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/** The form's starting data from the order's lines; undefined when the form has no lines grid. */
export function prefillFromOrder(schema: Schema, orderLines: ReadonlyArray<Record<string, unknown>>): { lines: Array<Record<string, unknown>> } | undefined {
  const props = linesItems(schema);
  if (!props) return undefined;
  return { lines: orderLines.map((line) => Object.fromEntries(Object.entries(props).flatMap(([key, prop]) => (fits(prop, line[key]) ? [[key, line[key]]] : [])))) };
}
