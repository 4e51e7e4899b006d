import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipAllowed, normalizeCidr } from '../../src/modules/auth/ip-restrictions.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Net Co', slug: 'net-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const from = (ip: string, email: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'net-co', login: email, password: USER_PASSWORD },
    remoteAddress: ip,
  });

describe('rule 28: IP allow-lists per tenant, role and user', () => {
  it('matches IPv4, IPv6 and IPv4-mapped addresses against CIDR ranges', () => {
    expect(normalizeCidr('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(normalizeCidr('2001:db8::/32')).toBe('2001:db8::/32');
    expect(normalizeCidr('192.168.1.7')).toBe('192.168.1.7/32');
    expect(normalizeCidr('10.0.0.0/33')).toBeNull();
    expect(normalizeCidr('nope')).toBeNull();
    const rules = { tenant: ['10.0.0.0/8', '2001:db8::/32'], user: [], roles: [] };
    expect(ipAllowed('10.1.2.3', rules)).toBe(true);
    expect(ipAllowed('::ffff:10.1.2.3', rules)).toBe(true);
    expect(ipAllowed('2001:db8:1::5', rules)).toBe(true);
    expect(ipAllowed('11.0.0.1', rules)).toBe(false);
    expect(ipAllowed('2001:db9::1', rules)).toBe(false);
  });

  it('a tenant allow-list refuses sign-in and every request from elsewhere, with a clear code', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'office@net.test' });
    const inside = await signIn(t.app, 'net-co', 'office@net.test');
    // the provider admin signs in from 127.0.0.1 and is not a member of this tenant: no self-lockout
    const set = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      ipAllowList: ['10.20.0.0/16', '2001:db8::/32'],
    });
    expect(set.statusCode, set.body).toBe(200);
    try {
      expect((await from('10.20.3.4', 'office@net.test')).statusCode).toBe(200);
      expect((await from('2001:db8::7', 'office@net.test')).statusCode).toBe(200);
      const outside = await from('203.0.113.9', 'office@net.test');
      expect(outside.statusCode).toBe(403);
      expect(outside.json().code).toBe('auth.ip_not_allowed');
      // the session opened from 127.0.0.1 before the list existed now fails on every request
      const res = await inside.get('/api/v1/me');
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('auth.ip_not_allowed');
      const events = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=auth.login.failed`)).json()
        .items;
      expect(events[0].after).toMatchObject({ reason: 'ip_not_allowed', ip: '203.0.113.9' });
    } finally {
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { ipAllowList: [] });
    }
  });

  it('per user and per role', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'roamer@net.test' });
    const set = await t.admin.put(`/api/v1/tenants/${tenant}/users/${user.id}/ip-ranges`, {
      ipRanges: ['198.51.100.0/24'],
    });
    expect(set.json()).toEqual({ ipRanges: ['198.51.100.0/24'] });
    expect((await from('198.51.100.20', 'roamer@net.test')).statusCode).toBe(200);
    expect((await from('198.51.101.20', 'roamer@net.test')).json().code).toBe('auth.ip_not_allowed');
    await t.admin.put(`/api/v1/tenants/${tenant}/users/${user.id}/ip-ranges`, { ipRanges: [] });

    const role = await t.admin.post(`/api/v1/tenants/${tenant}/roles`, {
      name: 'VPN only',
      permissions: ['users.read'],
      ipRanges: ['172.16.0.0/12'],
    });
    expect(role.json().ipRanges).toEqual(['172.16.0.0/12']);
    const vpn = await apiCreateUser(t.admin, tenant, { email: 'vpn@net.test', roleIds: [role.json().id] });
    expect((await from('172.20.1.1', 'vpn@net.test')).statusCode).toBe(200);
    expect((await from('8.8.8.8', 'vpn@net.test')).json().code).toBe('auth.ip_not_allowed');
    expect(vpn.id).toBeTruthy();
  });

  it('refuses malformed ranges and an allow-list that would lock out its own author', async () => {
    const bad = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      ipAllowList: ['10.0.0.0/40'],
    });
    expect(bad.json()).toMatchObject({ code: 'ip.invalid_range' });
    const self = await t.admin.put(`/api/v1/tenants/${t.providerId}/security-policy`, {
      ipAllowList: ['10.0.0.0/8'],
    });
    expect(self.json().code).toBe('security.ip_self_lockout');
    const viaPatch = await t.admin.patch(`/api/v1/tenants/${tenant}`, {
      settings: { ipAllowList: ['not-a-range'] },
    });
    expect(viaPatch.json().code).toBe('ip.invalid_range');
  });
});
