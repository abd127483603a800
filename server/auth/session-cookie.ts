import { parse, serialize } from 'cookie';
import type { Request, Response, RequestHandler } from 'express';
import type { AuthService } from './auth.service';

export const SESSION_COOKIE = 'ordo_session';

export function readSessionToken(req: Request): string | undefined {
  const header = req.headers.cookie;
  return header ? parse(header)[SESSION_COOKIE] : undefined;
}

export function setSessionCookie(res: Response, token: string, expiresAt: Date, secure: boolean): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt }));
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 }));
}

/** Resolves req.principal for every request: API key first, then the session cookie. */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    try {
      const bearer = req.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
      const apiKey = req.get('x-api-key') ?? (bearer?.startsWith('ordo_') ? bearer : undefined);
      req.principal = await auth.resolve({ apiKey, sessionToken: readSessionToken(req) });
      next();
    } catch (err) {
      next(err);
    }
  };
}
