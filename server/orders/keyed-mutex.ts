/**
 * Serialises async work per key inside this process. FerretDB 1.24 (SQLite) applies every update
 * as read-modify-write outside a transaction, so two concurrent updates of one document can lose
 * one of them (measured: 200 concurrent $inc on one document ended at 2). Every write to one order
 * or one index bucket therefore goes through its key's queue.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
