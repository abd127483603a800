import { useCallback, useState } from 'react';

/** Runs one user action at a time: `busy` while it runs, its failure in `error` for an ErrorBanner. */
export function useAction(onStart?: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(
    async (fn: () => Promise<void>) => {
      setBusy(true);
      setError(undefined);
      onStart?.();
      try {
        await fn();
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
      }
    },
    [onStart],
  );
  return { busy, error, setError, run };
}
