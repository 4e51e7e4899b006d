import http from 'node:http';
import { verifyWebhookSignature } from '../../src/platform/webhooks.ts';

/**
 * A real HTTP server for webhook tests: it keeps every request (headers and raw body), checks the
 * HMAC-SHA256 signature against the secret it is given, and answers what the test tells it to.
 */
export interface ReceivedCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  signatureValid: boolean;
}

export async function startWebhookReceiver() {
  const calls: ReceivedCall[] = [];
  let secret = '';
  // answers, in order; the last one repeats
  let answers: Array<{ status: number; delayMs?: number }> = [{ status: 200 }];
  let served = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      calls.push({
        path: req.url ?? '/',
        headers: req.headers,
        raw,
        body: raw ? JSON.parse(raw) : null,
        signatureValid: verifyWebhookSignature(
          secret,
          {
            signature: req.headers['rollcall-signature'] as string | undefined,
            timestamp: req.headers['rollcall-timestamp'] as string | undefined,
          },
          raw,
          // the server's clock may be a test clock far from this one: the signature is what counts
          { now: new Date(), toleranceSeconds: 10 * 365 * 86_400 },
        ),
      });
      const answer = answers[Math.min(served, answers.length - 1)]!;
      served += 1;
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end('{}');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setSecret(value: string) {
      secret = value;
    },
    answer(...next: Array<{ status: number; delayMs?: number }>) {
      answers = next;
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
