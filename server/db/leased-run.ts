/**
 * The writes one leased run (a print batch, a file import) makes to its job document, with the
 * heartbeat that keeps the lease, one at a time.
 *
 * Why: FerretDB 1.24 applies an update as "read the document, then write all of it back" without
 * isolating the two, so two updates of one document at the same moment can lose one. A heartbeat
 * racing the run's final write ("completed", the file id) wrote back the document it had read a
 * moment before — status running, no file — and another node took the finished batch over and
 * printed it a second time (CI: a 150-order batch ended with runs 3 instead of 2). A run therefore
 * sends its own writes in order, and stops the heartbeat (waiting for one in flight) before its last.
 */
export class LeasedRun {
  private tail: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  /** `beat` renews the lease (sets heartbeatAt, fenced by the lease); it runs every `everyMs` unless a write is queued. */
  constructor(beat: () => Promise<unknown>, everyMs: number) {
    this.timer = setInterval(() => {
      if (this.busy === 0) void this.write(beat).catch(() => undefined);
    }, everyMs);
    this.timer.unref();
  }

  /** Runs `op` after every write queued before it. */
  write<T>(op: () => Promise<T>): Promise<T> {
    this.busy++;
    const result = this.tail.then(op, op).finally(() => this.busy--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Ends the heartbeat and waits for every queued write: after this the caller's writes are the only ones. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tail;
  }
}
