import { normalizeError } from './problem';

const serverError = (code: number, message: string) => Object.assign(new Error(message), { name: 'MongoServerError', code });

describe('normalizeError: database errors', () => {
  it('answers 503 when the database is unreachable or stopping, 500 for other server errors', () => {
    expect(normalizeError(Object.assign(new Error('connection 3 closed'), { name: 'MongoNetworkError' })).status).toBe(503);
    expect(normalizeError(serverError(11600, 'interrupted at shutdown')).status).toBe(503);
    expect(normalizeError(serverError(10107, 'not primary')).status).toBe(503);
    // FerretDB cancelling an operation as it stops
    expect(normalizeError(serverError(1, '[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:134 fsql.(*DB).InTransaction] context canceled')).status).toBe(503);
    expect(normalizeError(serverError(1, 'some other internal error')).status).toBe(500);
    expect(normalizeError(serverError(2, 'BadValue')).status).toBe(500);
  });
});
