import path from 'node:path';
import ipaddr from 'ipaddr.js';

/**
 * Every setting Rollcall reads from its environment, validated once at start. A wrong value stops
 * the process with one line that names the variable, because a half-configured server is worse
 * than none.
 */
export interface Config {
  databaseUrl: string | null;
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  smtpUrl: string | null;
  /** The sender of every email, from ROLLCALL_MAIL_FROM. */
  mailFrom: string;
  adminEmail: string | null;
  adminPassword: string | null;
  providerSlug: string;
  /** Overrides the secret kept in the database (for HMACs such as the CSRF token). */
  secret: string | null;
  /** `all` serves HTTP and works jobs; `http` or `worker` split the roles across processes. */
  role: 'all' | 'http' | 'worker';
  /** TRUST_PROXY: `true` trusts any proxy; a comma-separated list trusts only those addresses or ranges. */
  trustProxy: boolean | string[];
  /** Sign-in attempts per minute from one IP address (password changes: a third of it per user). */
  authRateLimitPerMinute: number;
  /** Flow dispatcher loops in a worker process (ROLLCALL_FLOW_LOOPS): tenants' steps run side by side. */
  flowLoops: number;
  /** The largest CSV file an import accepts, in MB. */
  importMaxMb: number;
  /** Private ranges webhooks may still be sent to (an on-premises receiver); public addresses always may. */
  webhookAllowCidrs: string[];
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function blankToNull(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function parseUrl(name: string, value: string | null, protocols: string[]): string | null {
  if (value === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a valid URL (expected ${protocols.join(' or ')}…)`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.join(' or ')} (got ${url.protocol}//)`);
  }
  return value;
}

function parseTrustProxy(value: string | null): boolean | string[] {
  if (value === null || ['0', 'false', 'no'].includes(value.toLowerCase())) return false;
  if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const item of list) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item))
      throw new ConfigError('TRUST_PROXY', `"${item}" is not an IP address or CIDR range`);
  }
  return list;
}

function parseCidrList(name: string, value: string | null): string[] {
  if (value === null) return [];
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const item of list) {
    const [address, bits] = item.split('/');
    const valid =
      ipaddr.isValid(address ?? '') &&
      (bits === undefined ||
        (/^\d{1,3}$/.test(bits) && Number(bits) <= (ipaddr.parse(address!).kind() === 'ipv4' ? 32 : 128)));
    if (!valid) throw new ConfigError(name, `"${item}" is not an IP address or CIDR range`);
  }
  return list;
}

function parsePositive(name: string, value: string | null, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new ConfigError(name, `must be a positive whole number, got "${value}"`);
  return Number(value);
}

function parsePort(name: string, value: string | null, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a port number, got "${value}"`);
  const port = Number(value);
  if (port < 0 || port > 65535) throw new ConfigError(name, `must be between 0 and 65535, got ${port}`);
  return port;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = blankToNull(env.LOG_LEVEL) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminEmail = blankToNull(env.ROLLCALL_ADMIN_EMAIL);
  if (adminEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError('ROLLCALL_ADMIN_EMAIL', `is not an email address: "${adminEmail}"`);
  }
  const adminPassword = blankToNull(env.ROLLCALL_ADMIN_PASSWORD);
  if (adminPassword !== null && adminPassword.length < 12) {
    throw new ConfigError('ROLLCALL_ADMIN_PASSWORD', 'must be at least 12 characters long');
  }
  const providerSlug = blankToNull(env.ROLLCALL_PROVIDER_SLUG) ?? 'msp';
  if (!SLUG_PATTERN.test(providerSlug)) {
    throw new ConfigError(
      'ROLLCALL_PROVIDER_SLUG',
      `must be lowercase letters, digits and dashes (1–63 characters), got "${providerSlug}"`,
    );
  }
  const secret = blankToNull(env.ROLLCALL_SECRET);
  if (secret !== null && secret.length < 32) {
    throw new ConfigError('ROLLCALL_SECRET', 'must be at least 32 characters long');
  }
  const role = blankToNull(env.ROLLCALL_ROLE) ?? 'all';
  if (role !== 'all' && role !== 'http' && role !== 'worker') {
    throw new ConfigError('ROLLCALL_ROLE', `must be all, http or worker, got "${role}"`);
  }
  const publicUrl = parseUrl('PUBLIC_URL', blankToNull(env.PUBLIC_URL), ['http:', 'https:']);
  return {
    databaseUrl: parseUrl('DATABASE_URL', blankToNull(env.DATABASE_URL), ['postgres:', 'postgresql:']),
    port: parsePort('PORT', blankToNull(env.PORT), 3000),
    host: blankToNull(env.HOST) ?? '127.0.0.1',
    dataDir: path.resolve(blankToNull(env.DATA_DIR) ?? './data'),
    publicUrl: publicUrl?.replace(/\/+$/, '') ?? null,
    logLevel: logLevel as Config['logLevel'],
    smtpUrl: parseUrl('SMTP_URL', blankToNull(env.SMTP_URL), ['smtp:', 'smtps:']),
    mailFrom: blankToNull(env.ROLLCALL_MAIL_FROM) ?? 'Rollcall <no-reply@rollcall.localhost>',
    adminEmail,
    adminPassword,
    providerSlug,
    secret,
    role,
    trustProxy: parseTrustProxy(blankToNull(env.TRUST_PROXY)),
    authRateLimitPerMinute: parsePositive(
      'ROLLCALL_AUTH_RATE_LIMIT',
      blankToNull(env.ROLLCALL_AUTH_RATE_LIMIT),
      30,
    ),
    flowLoops: parsePositive('ROLLCALL_FLOW_LOOPS', blankToNull(env.ROLLCALL_FLOW_LOOPS), 8),
    importMaxMb: parsePositive('ROLLCALL_IMPORT_MAX_MB', blankToNull(env.ROLLCALL_IMPORT_MAX_MB), 512),
    webhookAllowCidrs: parseCidrList(
      'ROLLCALL_WEBHOOK_ALLOW_CIDRS',
      blankToNull(env.ROLLCALL_WEBHOOK_ALLOW_CIDRS),
    ),
  };
}
