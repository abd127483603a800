import { useCallback, useEffect, useState } from 'react';

/** Loads once, reloads on demand; errors are kept for the banner. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data?: T; error?: unknown; reload(): void } {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data }),
      (error) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [tick, ...deps]);
  return { ...state, reload: useCallback(() => setTick((n) => n + 1), []) };
}

