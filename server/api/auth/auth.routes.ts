import { loginBody, updateMeBody } from '../../contracts/auth';
import { defineRoute, type AnyRoute } from '../../http/route';
import { clearSessionCookie, setSessionCookie } from '../../auth/session-cookie';
import type { AuthService } from '../../auth/auth.service';

export function authRoutes(deps: { auth: AuthService; secureCookies: boolean }): AnyRoute[] {
  const { auth } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      tag: 'auth',
      summary: 'Sign in with e-mail and password; sets the session cookie',
      access: 'public',
      body: loginBody,
      rateLimit: { bucket: 'login', windowMs: 60_000, max: 30 },
      async handler({ body, req, res }) {
        const session = await auth.login(body.email, body.password, { ip: req.ip, userAgent: req.get('user-agent') });
        setSessionCookie(res, session.token, session.expiresAt, deps.secureCookies);
        return { user: session.user };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      tag: 'auth',
      summary: 'Sign out: ends this session',
      access: 'user',
      status: 204,
      async handler({ principal, res }) {
        await auth.logout(principal);
        clearSessionCookie(res, deps.secureCookies);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout-all',
      tag: 'auth',
      summary: 'Sign out everywhere: ends every session of this user',
      access: 'user',
      status: 204,
      async handler({ principal, res }) {
        await auth.logout(principal, true);
        clearSessionCookie(res, deps.secureCookies);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/auth/me',
      tag: 'auth',
      summary: 'The signed-in user, their permissions and the CSRF token for writes',
      access: 'user',
      handler: ({ principal }) => auth.me(principal),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/auth/me',
      tag: 'auth',
      summary: 'Change one’s own preferences (display language)',
      access: 'user',
      body: updateMeBody,
      status: 204,
      async handler({ principal, body }) {
        await auth.setOwnLocale(principal, body.locale);
      },
    }),
  ];
}
