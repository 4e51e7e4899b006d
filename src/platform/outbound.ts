import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Requests Rollcall makes to addresses its tenants type (flow webhook steps, webhook endpoints). A
 * tenant admin must not be able to make the server call itself, the cloud's metadata service, the
 * database or anything else on the private network: the destination's address is checked after DNS
 * resolution and the socket connects to exactly the address that was checked (no second lookup an
 * attacker's DNS could answer differently). Ranges an operator trusts (an on-premises receiver) are
 * allowed by ROLLCALL_WEBHOOK_ALLOW_CIDRS.
 */
export class OutboundRefused extends Error {
  readonly address: string;
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private or reserved address Rollcall does not call`);
    this.name = 'OutboundRefused';
    this.address = address;
  }
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((item) =>
    ipaddr.parseCIDR(item.includes('/') ? item : `${item}/${item.includes(':') ? 128 : 32}`),
  );
}

/**
 * The ranges the operator trusts, for the whole process (set once at start from the configuration):
 * a template's step is checked when it is saved, where no platform is at hand.
 */
let allowedRanges: Cidr[] = [];
export function allowOutboundTo(cidrs: readonly string[]): void {
  allowedRanges = parseCidrs(cidrs);
}

/** Public unicast, or inside a range the operator allowed. */
export function addressAllowed(address: string, allowed: readonly Cidr[] = allowedRanges): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address); // IPv4-mapped IPv6 becomes the IPv4 it carries
  } catch {
    return false;
  }
  if (allowed.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range, bits))) return true;
  return ip.range() === 'unicast';
}

/** Whether `url` names a host that is an address Rollcall would refuse outright (checked when saved). */
export function literalAddressRefused(url: string, allowed: readonly Cidr[] = allowedRanges): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null; // not a URL at all: the schema says so
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return host;
  if (!ipaddr.isValid(host)) return null;
  return addressAllowed(host, allowed) ? null : host;
}

function guardedLookup(allowed: readonly Cidr[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !addressAllowed(a.address, allowed));
      if (refused || list.length === 0)
        return callback(new OutboundRefused(hostname, refused?.address ?? 'nothing'), '', 4);
      if ((options as { all?: boolean }).all)
        return (callback as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export interface OutboundAnswer {
  status: number;
  statusText: string;
}

/**
 * POSTs `body` to `url` and reads only the status (the body is drained unread). Redirects are not
 * followed: a 3xx is the answer. Throws OutboundRefused for a forbidden destination, and the
 * network's own errors otherwise; a timeout aborts with a TimeoutError.
 */
export async function postOutbound(
  url: string,
  opts: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<OutboundAnswer> {
  const allowed = allowedRanges;
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`only http and https URLs are called (got ${target.protocol})`);
  const literal = literalAddressRefused(url, allowed);
  if (literal) throw new OutboundRefused(target.hostname, literal);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        lookup: guardedLookup(allowed),
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' }));
        res.on('error', reject);
      },
    );
    req.on('error', (error: Error & { cause?: unknown }) => {
      // the lookup's refusal arrives wrapped by the socket; hand it on as itself
      const cause = error instanceof OutboundRefused ? error : (error.cause as Error | undefined);
      reject(cause instanceof OutboundRefused ? cause : error);
    });
    req.end(opts.body);
  });
}

/**
 * The address as the audit trail keeps it: scheme, host and path. A query string or user info may
 * carry the receiver's token, and the audit log is read by more people than manage webhooks and templates.
 */
export function auditableUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}
