import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressAllowed,
  allowOutboundTo,
  OutboundRefused,
  parseCidrs,
  postOutbound,
} from '../../src/platform/outbound.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/**
 * Webhooks go where tenants point them, so Rollcall refuses to call its own machine, the private
 * network and the cloud's metadata service (SSRF), unless the operator allows a range.
 */
describe('which addresses Rollcall calls', () => {
  it('public unicast only, IPv4 and IPv6, whatever the notation', () => {
    for (const refused of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      'not an address',
    ])
      expect(addressAllowed(refused, []), refused).toBe(false);
    for (const allowed of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])
      expect(addressAllowed(allowed, []), allowed).toBe(true);
    expect(addressAllowed('10.20.0.5', parseCidrs(['10.20.0.0/16']))).toBe(true);
    expect(addressAllowed('10.21.0.5', parseCidrs(['10.20.0.0/16']))).toBe(false);
    expect(addressAllowed('::ffff:10.20.0.5', parseCidrs(['10.20.0.0/16']))).toBe(true);
  });
});

describe('outbound calls', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits += 1;
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    allowOutboundTo([]);
    await new Promise<void>((r) => server.close(() => r()));
  });
  const post = (url: string) => postOutbound(url, { headers: {}, body: '{}', timeoutMs: 5000 });

  it('refuses loopback by address and by a name that resolves to it, before connecting', async () => {
    allowOutboundTo([]);
    await expect(post(`http://127.0.0.1:${port}/x`)).rejects.toBeInstanceOf(OutboundRefused);
    await expect(post(`http://[::ffff:127.0.0.1]:${port}/x`)).rejects.toBeInstanceOf(OutboundRefused);
    await expect(post(`http://localhost:${port}/x`)).rejects.toBeInstanceOf(OutboundRefused);
    await expect(post(`http://printer.localhost:${port}/x`)).rejects.toBeInstanceOf(OutboundRefused);
    // a plain name is resolved, and the address it resolves to is what is checked: this machine's own
    // name resolves to loopback or the private network
    const own = await lookup(os.hostname()).catch(() => null);
    if (own && !addressAllowed(own.address, [])) {
      await expect(post(`http://${os.hostname()}:${port}/x`)).rejects.toBeInstanceOf(OutboundRefused);
    } else {
      console.log(
        `outbound: ${os.hostname()} resolves to ${own?.address ?? 'nothing'}; the resolved-name case was not exercised`,
      );
    }
    expect(hits).toBe(0);
  });

  it('calls a range the operator allowed', async () => {
    allowOutboundTo(['127.0.0.0/8']);
    expect((await post(`http://127.0.0.1:${port}/x`)).status).toBe(204);
    expect(hits).toBe(1);
  });
});

describe('saving a webhook destination Rollcall would refuse', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ROLLCALL_WEBHOOK_ALLOW_CIDRS: '' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a webhook endpoint on the metadata service or loopback is refused with a clear code', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:5432/',
      'http://localhost/',
    ]) {
      const res = await t.admin.post(`/api/v1/tenants/${t.providerId}/webhooks`, {
        url,
        events: ['resource.owner_changed'],
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('webhook.url_not_allowed');
    }
  });

  it('a flow step calling a private address is refused when the template is saved', async () => {
    const res = await t.admin.post(`/api/v1/tenants/${t.providerId}/flow-templates`, {
      name: 'Exfiltrate',
      steps: [
        {
          action: 'webhook',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { url: 'http://169.254.169.254/latest/meta-data/' },
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.stringify(res.json().errors)).toContain('url_not_allowed');
  });
});
