/**
 * A socket.io handshake rides on the session cookie alone (no CSRF token as the HTTP API has), so
 * it must come from Ordo's own pages. The cookie is SameSite=Lax, which stops other sites but not a
 * sibling host of the same site (shop.example.com and ordo.example.com are one "site") nor a page
 * on another port. Browsers name the page's origin in every WebSocket handshake and cross-origin
 * request, so one whose Origin is neither this host nor PUBLIC_URL is refused. Without an Origin
 * header it is no cross-origin browser request (a server, a script) and goes on to authentication.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Why the request's Origin is refused, or undefined when it may go on. */
export function foreignOrigin(headers: IncomingHttpHeaders, publicUrl?: string): string | undefined {
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin "${origin.slice(0, 100)}" is not a URL`;
  }
  if (host === headers.host) return undefined;
  if (publicUrl && origin === new URL(publicUrl).origin) return undefined;
  return `Cross-origin request refused: ${origin.slice(0, 100)} is not this server${publicUrl ? ` (${new URL(publicUrl).origin})` : ''}`;
}
