import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered with. */
  answered: number;
}

/**
 * A local HTTP endpoint for webhook tests (127.0.0.1, a free port): records every request and
 * answers with the statuses queued in `answers` (then 200), after `delayMs` when set.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  answers: number[];
  delayMs: number;
  /** Resolves once `n` requests arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver: Partial<WebhookReceiver> = { received, answers: [], delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = receiver.answers!.shift() ?? 200;
      // Recorded on arrival: a late answer (delayMs) never lands in a later test's list.
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      const reply = () => {
        if (!res.destroyed) res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
      };
      if (receiver.delayMs) setTimeout(reply, receiver.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/privacy`,
    async waitFor(n: number, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${n} webhook(s); got ${received.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return received.slice(0, n);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as WebhookReceiver;
}
