import { loginBody, updateMeBody } from '../../contracts/auth';
import { defineRoute, type AnyRoute } from '../../http/route';
import { clearSessionCookie, setSessionCookie } from '../../auth/session-cookie';
import type { AuthService } from '../../auth/auth.service';
import type { OidcService } from '../../auth/oidc.service';
import { isAppError } from '../../../workflows/model/errors';

export function authRoutes(deps: { auth: AuthService; secureCookies: boolean; oidc?: OidcService; publicUrl: () => string }): AnyRoute[] {
  const { auth, oidc } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/auth/providers',
      tag: 'auth',
      summary: 'How one can sign in: password, and single sign-on when configured',
      access: 'public',
      handler: () => ({ password: true, oidc: oidc ? { label: oidc.label, loginUrl: '/api/auth/oidc/login' } : null }),
    }),
    ...(oidc
      ? [
          defineRoute({
            method: 'get',
            path: '/api/auth/oidc/login',
            tag: 'auth',
            summary: 'Start single sign-on: redirects to the OpenID provider',
            access: 'public',
            raw: true,
            rateLimit: { bucket: 'login', windowMs: 60_000, max: 30 },
            async handler({ res }) {
              res.redirect(302, await oidc.authorizationUrl());
            },
          }),
          defineRoute({
            method: 'get',
            path: '/api/auth/oidc/callback',
            tag: 'auth',
            summary: 'Single sign-on callback: creates the session and returns to the designer',
            access: 'public',
            raw: true,
            async handler({ req, res }) {
              try {
                const session = await oidc.callback(new URL(req.originalUrl, deps.publicUrl()), { ip: req.ip, userAgent: req.get('user-agent') });
                setSessionCookie(res, session.token, session.expiresAt, deps.secureCookies);
                res.redirect(302, '/');
              } catch (err) {
                const reason = isAppError(err) && err.expose ? err.message : 'Single sign-on failed';
                req.log?.warn({ err }, 'SSO callback failed');
                res.redirect(302, `/login?error=${encodeURIComponent(reason)}`);
              }
            },
          }),
        ]
      : []),
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
