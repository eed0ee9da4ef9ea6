import { createHmac, createPublicKey, randomUUID, verify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startWebhookWorker } from '../../src/services/webhooks/webhook-worker';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';

/**
 * The events other parts of the gateway put in the webhook outbox: `store.deleted` when a store
 * is offboarded (its record and receipt), `access.ready` when Shopify's customers/data_request has
 * been prepared (never the report itself).
 */
const SHOPIFY_SECRET = 'shpss_events_0123456789';
const FAST = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE: '300ms', WEBHOOK_POLL_INTERVAL: '100ms', WEBHOOK_TIMEOUT: '1s', SHOPIFY_API_SECRET: SHOPIFY_SECRET };
const SETTINGS = 'mutation($s:ID!,$u:String,$d:String){ updateStoreSettings(storeId:$s, settings:{webhookUrl:$u, shopifyDomain:$d}){ id } }';
const ROTATE = 'mutation($s:ID!){ rotateWebhookSecret(storeId:$s){ secret } }';

/** Verifies a compact EdDSA JWS with node:crypto against the gateway's published JWKS. */
async function verifyReceipt(t: TestGateway, jws: string): Promise<Record<string, unknown>> {
  const jwks = (await (await fetch(t.url.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: { kid: string }[] };
  const [h, p, s] = jws.split('.');
  const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString());
  const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid) as never, format: 'jwk' });
  expect(verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  return JSON.parse(Buffer.from(p, 'base64url').toString());
}

describe.each(ENGINES)('webhook events from deletions and Shopify [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let hook: WebhookReceiver;
  let stopWorker: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestGateway(engine, FAST);
    stopWorker = startWebhookWorker(t.gateway.services);
    a = await createTenant(t, 'Eventful', 2);
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await stopWorker();
    await hook.close();
    await t.close();
  });

  const verified = (secret: string, got: { headers: Record<string, unknown>; body: string }) =>
    new Webhook(secret).verify(got.body, {
      'webhook-id': got.headers['webhook-id'] as string,
      'webhook-timestamp': got.headers['webhook-timestamp'] as string,
      'webhook-signature': got.headers['webhook-signature'] as string,
    }) as { type: string; data: Record<string, unknown> };

  it('sends access.ready once a Shopify data request is prepared, with no personal data', async () => {
    const s = a.storeIds[0];
    const domain = `events-${engine}.myshopify.com`;
    ok(await t.gql(a.key, SETTINGS, { s, u: hook.url, d: domain }));
    const secret = ok(await t.gql(a.key, ROTATE, { s })).rotateWebhookSecret.secret as string;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: '191167', email: 'john@example.com', name: 'John Smith' }] }));
    const body = JSON.stringify({ shop_id: 954889, shop_domain: domain, orders_requested: [], customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' }, data_request: { id: 9999 } });
    const webhookId = randomUUID();
    const res = await fetch(t.url.replace('/graphql', '/webhooks/shopify'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-shopify-topic': 'customers/data_request', 'x-shopify-shop-domain': domain,
        'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
      },
      body,
    });
    expect(res.status).toBe(200);
    const [got] = await hook.waitFor(1);
    const event = verified(secret, got);
    expect(event.type).toBe('access.ready');
    expect(event.data).toEqual({ storeId: s, reference: `shopify:${webhookId}`, records: 1, preparedAt: expect.stringMatching(/^\d{4}-/), fetchWith: 'privacyReport' });
    expect(got.body).not.toMatch(/john|191167|555-625/i);
    // The receiver answered; the worker records the attempt right after.
    const deliveries = async () => ok(await t.gql(a.key, 'query($s:ID!){ webhookDeliveries(storeId:$s){ edges { node { event status } } } }', { s })).webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
    for (let i = 0; i < 100 && JSON.stringify(await deliveries()).includes('PENDING'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await deliveries()).toEqual([{ event: 'access.ready', status: 'DELIVERED' }]);
  });

  it('sends store.deleted with the deletion record and its receipt when a store is deleted', async () => {
    hook.received.length = 0;
    const s = a.storeIds[1];
    ok(await t.gql(a.key, SETTINGS, { s, u: hook.url, d: null }));
    const secret = ok(await t.gql(a.key, ROTATE, { s })).rotateWebhookSecret.secret as string;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1', name: 'Someone' }, { id: 'c2', name: 'Someone Else' }] }));
    const deleted = ok(await t.gql(a.key, 'mutation($s:ID!){ deleteStore(storeId:$s, confirmName:"Eventful store 2"){ storeId receipt } }', { s })).deleteStore;
    const [got] = await hook.waitFor(1);
    const event = verified(secret, got);
    expect(event.type).toBe('store.deleted');
    const { receipt, ...record } = event.data;
    expect(receipt).toBe(deleted.receipt);
    expect(record).toEqual(await verifyReceipt(t, deleted.receipt));
    expect(record).toMatchObject({ type: 'store.deleted', storeId: s, status: 'COMPLETED', counts: expect.objectContaining({ customersDeleted: 2 }) });
  });
});
