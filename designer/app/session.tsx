/**
 * The signed-in user: /api/auth/me (user, permissions, CSRF token), sign-in, sign-out and the
 * user's language. Pages read it with useSession() and ask can('orders.read').
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Locale, MeDto } from '../../server/contracts/auth';
import type { Permission } from '../../server/contracts/permissions';
import { applyLocale } from '../i18n';
import { api, ApiError } from './api';

export type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'failed'; error: ApiError } | { status: 'signed-in'; me: MeDto };

export interface Session {
  state: SessionState;
  me: MeDto | undefined;
  /** a list means any one of them */
  can(permission: Permission | readonly Permission[]): boolean;
  signIn(email: string, password: string): Promise<void>;
  /** everywhere: ends every session of this user, on every device */
  signOut(options?: { everywhere?: boolean }): Promise<void>;
  /** null = follow the browser */
  setLocale(locale: Locale | null): Promise<void>;
  reload(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const reload = useCallback(async () => {
    try {
      const me = await api.get<MeDto>('/api/auth/me');
      api.setCsrfToken(me.csrfToken);
      await applyLocale(me.user.locale);
      setState({ status: 'signed-in', me });
    } catch (err) {
      api.setCsrfToken(undefined);
      if (err instanceof ApiError && err.status === 401) setState({ status: 'anonymous' });
      else setState({ status: 'failed', error: err instanceof ApiError ? err : new ApiError(0, String(err)) });
    }
  }, []);

  useEffect(() => {
    void reload();
    return api.onUnauthenticated(() => {
      api.setCsrfToken(undefined);
      setState({ status: 'anonymous' });
    });
  }, [reload]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      await api.post('/api/auth/login', { email, password });
      await reload();
    },
    [reload],
  );

  const signOut = useCallback(async (options: { everywhere?: boolean } = {}) => {
    try {
      await api.post(options.everywhere ? '/api/auth/logout-all' : '/api/auth/logout');
    } catch (err) {
      // other devices stay signed in unless the server confirmed: the caller shows the failure
      if (options.everywhere && !(err instanceof ApiError && err.status === 401)) throw err;
      // already ended on the server, or the server is unreachable: this tab signs out either way
    }
    api.setCsrfToken(undefined);
    setState({ status: 'anonymous' });
  }, []);

  const me = state.status === 'signed-in' ? state.me : undefined;

  const setLocale = useCallback(
    async (locale: Locale | null) => {
      await applyLocale(locale);
      if (!me) return;
      await api.patch('/api/auth/me', { locale });
      setState({ status: 'signed-in', me: { ...me, user: { ...me.user, locale } } });
    },
    [me],
  );

  const value = useMemo<Session>(() => {
    const permissions = new Set<Permission>(me?.permissions ?? []);
    const can = (p: Permission | readonly Permission[]) => (typeof p === 'string' ? permissions.has(p) : p.some((one) => permissions.has(one)));
    return { state, me, can, signIn, signOut, setLocale, reload };
  }, [state, me, signIn, signOut, setLocale, reload]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside <SessionProvider>');
  return session;
}

/** The signed-in user; only for components rendered inside the signed-in layout. */
export function useMe(): MeDto {
  const { me } = useSession();
  if (!me) throw new Error('useMe() outside the signed-in layout');
  return me;
}
