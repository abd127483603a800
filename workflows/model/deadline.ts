/**
 * Waits for `pending` at most `ms`: past that, rejects with the error `onTimeout` makes. The timer
 * is cleared either way, and a late rejection of `pending` is swallowed (the loser of the race must
 * not become an unhandled rejection); the work itself is not cancelled.
 */
export async function withDeadline<T>(pending: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  pending.catch(() => undefined);
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
