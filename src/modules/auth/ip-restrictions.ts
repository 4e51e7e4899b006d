import ipaddr from 'ipaddr.js';
import { AppError } from '../../platform/errors.ts';

/**
 * Rule 28: allow-lists of CIDR ranges (IPv4 and IPv6). An address passes when it is inside the
 * tenant's list (if it has one), inside the user's list (if set), and, when any of the user's roles
 * carries a list, inside one of those. Checked at sign-in and on every request.
 */
export interface IpRules {
  tenant: readonly string[];
  user: readonly string[];
  /** One list per role that has one. */
  roles: ReadonlyArray<readonly string[]>;
}

export function normalizeCidr(value: string): string | null {
  try {
    const trimmed = value.trim();
    const [addr, bits] = trimmed.includes('/')
      ? ipaddr.parseCIDR(trimmed)
      : (() => {
          const a = ipaddr.parse(trimmed);
          return [a, a.kind() === 'ipv4' ? 32 : 128] as const;
        })();
    return `${addr.toString()}/${bits}`;
  } catch {
    return null;
  }
}

export function assertValidCidrs(values: readonly string[], field: string): string[] {
  const bad = values.filter((v) => normalizeCidr(v) === null);
  if (bad.length > 0) {
    throw new AppError(
      'invalid',
      'ip.invalid_range',
      `Not a valid IP address or CIDR range: ${bad.join(', ')}.`,
      {
        errors: bad.map((b) => ({ field, message: `"${b}" is not a valid CIDR range` })),
      },
    );
  }
  return values.map((v) => normalizeCidr(v)!);
}

function inside(ip: string, ranges: readonly string[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // an IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return ranges.some((range) => {
    try {
      const [net, bits] = ipaddr.parseCIDR(range);
      return address.kind() === net.kind() && address.match([net, bits] as never);
    } catch {
      return false;
    }
  });
}

export function ipAllowed(ip: string | undefined, rules: IpRules): boolean {
  if (!ip) return rules.tenant.length === 0 && rules.user.length === 0 && rules.roles.length === 0;
  if (rules.tenant.length > 0 && !inside(ip, rules.tenant)) return false;
  if (rules.user.length > 0 && !inside(ip, rules.user)) return false;
  if (rules.roles.length > 0 && !rules.roles.some((r) => inside(ip, r))) return false;
  return true;
}

export const ipNotAllowed = () =>
  new AppError(
    'forbidden',
    'auth.ip_not_allowed',
    'Your network address is not on the allow-list for this account.',
  );
