import { errorSchemaFromIssues } from './issues';

describe('server field errors in the form', () => {
  it('given issues by path, then each lands under its field, lines by index, root errors at the top', () => {
    const schema = errorSchemaFromIssues(
      [
        { path: 'decision', message: 'must be equal to one of the allowed values' },
        { path: 'lines.0.quantity', message: 'must be >= 1' },
        { path: 'data.lines.0.quantity', message: 'must be integer' },
        { path: '(root)', message: 'must be object' },
      ],
      (m) => `server: ${m}`,
    );
    expect(schema).toEqual({
      __errors: ['server: must be object'],
      decision: { __errors: ['server: must be equal to one of the allowed values'] },
      lines: { 0: { quantity: { __errors: ['server: must be >= 1', 'server: must be integer'] } } },
    });
  });
});
