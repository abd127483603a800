/**
 * Where a connector may send requests. Hosts must be on the connector's allow-list; addresses in
 * loopback, private or link-local networks are refused unless the connector explicitly allows
 * that network class (checked on the resolved address, so a public name pointing inside is caught).
 */
import net from 'node:net';
import { z } from 'zod';

export const NETWORK_CLASSES = ['loopback', 'private', 'link-local'] as const;
export type AllowableNetwork = (typeof NETWORK_CLASSES)[number];
export type NetworkClass = AllowableNetwork | 'public' | 'reserved';

export const egressPolicySchema = z.strictObject({
  /** host names (exact, or `*.example.com`); empty = any host */
  allowHosts: z.array(z.string().trim().toLowerCase().regex(/^(\*\.)?[a-z0-9.-]+$|^\[?[0-9a-f:.]+\]?$/, 'must be a host name, *.domain or an IP address')).max(50).default([]),
  /** network classes that are refused unless listed here */
  allowNetworks: z.array(z.enum(NETWORK_CLASSES)).max(3).default([]),
});
export type EgressPolicy = z.output<typeof egressPolicySchema>;

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}
const inV4 = (ip: number, base: string, bits: number) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((v4ToInt(base) & mask) >>> 0);
};

function classifyV4(ip: string): NetworkClass {
  const n = v4ToInt(ip);
  if (inV4(n, '127.0.0.0', 8)) return 'loopback';
  if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16) || inV4(n, '100.64.0.0', 10)) return 'private';
  if (inV4(n, '169.254.0.0', 16)) return 'link-local';
  if (inV4(n, '0.0.0.0', 8) || inV4(n, '224.0.0.0', 4) || inV4(n, '240.0.0.0', 4)) return 'reserved';
  return 'public';
}

/** The network class of an IP address (IPv4, IPv6 and IPv4-mapped IPv6). */
export function classifyAddress(address: string): NetworkClass {
  const ip = address.replace(/^\[|\]$/g, '');
  if (net.isIPv4(ip)) return classifyV4(ip);
  if (!net.isIPv6(ip)) return 'reserved';
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return classifyV4(mapped[1]);
  if (lower === '::1') return 'loopback';
  if (lower === '::') return 'reserved';
  const first = parseInt(lower.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return 'private';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

export function hostAllowed(host: string, allowHosts: readonly string[]): boolean {
  if (allowHosts.length === 0) return true;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowHosts.some((pattern) => {
    const p = pattern.replace(/^\[|\]$/g, '');
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

/** Why an address may not be called under the policy, or undefined when it may. */
export function addressRefusal(address: string, policy: Pick<EgressPolicy, 'allowNetworks'>): string | undefined {
  const cls = classifyAddress(address);
  if (cls === 'public') return undefined;
  if (cls === 'reserved') return `${address} is a reserved or unspecified address`;
  if (policy.allowNetworks.includes(cls)) return undefined;
  return `${address} is a ${cls} address; the connector must explicitly allow "${cls}" networks to call it`;
}

/** Why a URL may not be called (scheme, allow-list, literal address), or undefined. DNS is checked at send time. */
export function urlRefusal(url: URL, policy: EgressPolicy): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs can be called, not ${url.protocol}`;
  if (url.username || url.password) return 'credentials in the URL are not allowed; use the connector authentication';
  if (!hostAllowed(url.hostname, policy.allowHosts)) return `host ${url.hostname} is not on the connector's allow-list`;
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(literal)) return addressRefusal(literal, policy);
  if (literal === 'localhost' || literal.endsWith('.localhost')) return addressRefusal('127.0.0.1', policy);
  return undefined;
}
