import { normalizeError } from '../http/problem';
import { isDatabaseUnavailable } from './unavailable';

const serverError = (code: number, message: string) => Object.assign(new Error(message), { name: 'MongoServerError', code });

describe('database errors: unavailable (503) or a fault (500)', () => {
  it('knows an unreachable or stopping database from other server errors', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connection 3 closed'), { name: 'MongoNetworkError' }))).toBe(true);
    expect(isDatabaseUnavailable(serverError(11600, 'interrupted at shutdown'))).toBe(true);
    expect(isDatabaseUnavailable(serverError(10107, 'not primary'))).toBe(true);
    // FerretDB cancelling an operation as it stops
    expect(isDatabaseUnavailable(serverError(1, '[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:134 fsql.(*DB).InTransaction] context canceled'))).toBe(true);
    expect(isDatabaseUnavailable(serverError(1, 'some other internal error'))).toBe(false);
    expect(isDatabaseUnavailable(serverError(2, 'BadValue'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('context canceled'))).toBe(false);
  });

  it('answers them 503 and other server errors 500', () => {
    expect(normalizeError(serverError(91, 'shutdown in progress')).status).toBe(503);
    expect(normalizeError(Object.assign(new Error('Client must be connected before running operations'), { name: 'MongoNotConnectedError' })).status).toBe(503);
    expect(normalizeError(serverError(1, 'some other internal error')).status).toBe(500);
  });
});
