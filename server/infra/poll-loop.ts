/**
 * Runs one pass, waits, runs the next: a background poller that never overlaps itself, keeps the
 * process alive for nothing (unref) and stops after the pass in flight.
 */
export class PollLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts polling every `pollMs` after each pass; the first pass runs after `firstDelayMs`. */
  start(pollMs: number, firstDelayMs = pollMs): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch(this.onError)
        .finally(() => {
          if (this.stopped) return;
          this.timer = setTimeout(tick, pollMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, firstDelayMs);
    this.timer.unref();
  }

  /** Stops the loop and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
