import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: null,
      port: 3000,
      host: '127.0.0.1',
      providerSlug: 'msp',
      logLevel: 'info',
      role: 'all',
    });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['SMTP_URL', 'http://mail'],
    ['LOG_LEVEL', 'loud'],
    ['ROLLCALL_ADMIN_EMAIL', 'not-an-email'],
    ['ROLLCALL_ADMIN_PASSWORD', 'short'],
    ['ROLLCALL_PROVIDER_SLUG', 'Has Spaces'],
    ['ROLLCALL_SECRET', 'too-short'],
    ['ROLLCALL_ROLE', 'both'],
    ['ROLLCALL_AUTH_RATE_LIMIT', '0'],
    ['ROLLCALL_IMPORT_MAX_MB', 'lots'],
    ['ROLLCALL_WEBHOOK_ALLOW_CIDRS', '10.0.0.0/33'],
    ['ROLLCALL_WEBHOOK_ALLOW_CIDRS', 'intranet'],
  ])('refuses %s=%s with one line naming the variable', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('takes a list of ranges webhooks may reach', () => {
    expect(
      loadConfig({ ROLLCALL_WEBHOOK_ALLOW_CIDRS: '10.20.0.0/16, 192.168.5.7,fd00::/8' }).webhookAllowCidrs,
    ).toEqual(['10.20.0.0/16', '192.168.5.7', 'fd00::/8']);
    expect(loadConfig({}).webhookAllowCidrs).toEqual([]);
  });

  it('trims a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://rollcall.example.com/' }).publicUrl).toBe(
      'https://rollcall.example.com',
    );
  });
});
