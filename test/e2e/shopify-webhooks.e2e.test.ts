import { createHmac, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { StoreEntity } from '../../src/entities/catalog';
import { sqliteStoreFile } from '../../src/tenancy/data-source-factory';
import { asMysqlAdmin, codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { catalogOf } from '../support/internals';
import { sleep } from '../support/wait';

const SECRET = 'shpss_test_0123456789abcdef';
const SETTINGS = 'mutation($s:ID!,$d:String){ updateStoreSettings(storeId:$s, settings:{shopifyDomain:$d}){ id settings { shopifyDomain } } }';

// Fixture bodies as in Shopify's documentation of the mandatory compliance webhooks.
const redactBody = (domain: string) => ({ shop_id: 954889, shop_domain: domain, customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' }, orders_to_redact: [299938, 280263, 220458] });
const dataRequestBody = (domain: string) => ({ shop_id: 954889, shop_domain: domain, orders_requested: [299938, 280263, 220458], customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' }, data_request: { id: 9999 } });
const shopRedactBody = (domain: string) => ({ shop_id: 954889, shop_domain: domain });

/** Sends a webhook as Shopify does: JSON body, base64 HMAC-SHA256 of the raw body in X-Shopify-Hmac-Sha256. */
async function send(t: TestGateway, topic: string, domain: string, body: unknown, opts: { id?: string; secret?: string | null; hmac?: string } = {}) {
  const raw = JSON.stringify(body);
  const hmac = opts.hmac ?? (opts.secret === null ? undefined : createHmac('sha256', opts.secret ?? SECRET).update(raw).digest('base64'));
  const res = await fetch(t.url.replace('/graphql', '/webhooks/shopify'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': domain,
      'x-shopify-webhook-id': opts.id ?? randomUUID(),
      'x-shopify-api-version': '2025-07',
      ...(hmac ? { 'x-shopify-hmac-sha256': hmac } : {}),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(ENGINES)('Shopify compliance webhooks [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  const domain = `shop-${engine}.myshopify.com`;
  beforeAll(async () => {
    t = await startTestGateway(engine, { SHOPIFY_API_SECRET: SECRET });
    a = await createTenant(t, 'Shopify Shop', 2);
    b = await createTenant(t, 'Other Shop');
    ok(await t.gql(a.key, SETTINGS, { s: a.storeIds[0], d: domain.toUpperCase() }));
  });
  afterAll(() => t?.close());

  const sql = (q: string, p: unknown[] = []) => catalogOf(t.gateway.services).query(q, p) as Promise<Record<string, unknown>[]>;
  const queued = () => sql('SELECT webhookId, topic, status, attempts, payload FROM shopify_webhooks ORDER BY receivedAt');
  const done = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const [row] = await sql('SELECT status, outcome, payload, attempts FROM shopify_webhooks WHERE webhookId = ?', [id]);
      if (row && row.status !== 'PENDING') return row;
      await sleep(50);
    }
    throw new Error('the webhook was not processed within 5 s');
  };

  it('links a store by its *.myshopify.com host, unique, validated', async () => {
    expect(ok(await t.gql(a.key, 'query($s:ID!){ store(id:$s){ settings { shopifyDomain } } }', { s: a.storeIds[0] })).store.settings.shopifyDomain).toBe(domain);
    for (const bad of ['evil.example.com', 'x.myshopify.com.evil.io', 'a'.repeat(300)]) {
      const r = await t.gql(a.key, SETTINGS, { s: a.storeIds[1], d: bad });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].message).toContain('settings.shopifyDomain');
      expect(r.errors![0].message).not.toContain(bad);
    }
    const taken = await t.gql(b.key, SETTINGS, { s: b.storeIds[0], d: domain });
    expect(codes(taken)).toEqual(['BAD_USER_INPUT']);
    expect(taken.errors![0].message).not.toContain(a.storeIds[0]);
  });

  it('refuses a wrong or missing signature with 401 and does nothing', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: '191167', email: 'john@example.com' }] }));
    expect((await send(t, 'customers/redact', domain, redactBody(domain), { secret: 'not-the-secret' })).status).toBe(401);
    expect((await send(t, 'customers/redact', domain, redactBody(domain), { secret: null })).status).toBe(401);
    expect((await send(t, 'customers/redact', domain, redactBody(domain), { hmac: 'AAAA' })).status).toBe(401);
    // Hostile: an oversized body, a topic that is not a compliance topic, an overlong webhook ID.
    expect((await send(t, 'customers/redact', domain, { ...redactBody(domain), pad: 'x'.repeat(300_000) })).status).toBe(413);
    expect((await send(t, 'orders/create', domain, redactBody(domain))).status).toBe(400);
    expect((await send(t, 'customers/redact', domain, redactBody(domain), { id: 'i'.repeat(101) })).status).toBe(400);
    await sleep(200);
    expect(await queued()).toEqual([]);
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"191167"){ id } }', { s })).customer).toEqual({ id: '191167' });
  });

  it('customers/data_request prepares the report and records it as ready (nothing is sent)', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'dr-order', customerId: '191167', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] }] }));
    const id = randomUUID();
    expect((await send(t, 'customers/data_request', domain, dataRequestBody(domain), { id })).status).toBe(200);
    expect(await done(id)).toEqual({ status: 'DONE', outcome: 'report ready (2 records held; fetch it with privacyReport)', payload: null, attempts: 1 });
  });

  it('customers/redact forgets the customer by ID and e-mail and anonymizes orders_to_redact; a replayed webhook ID is done once', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: '299938', customerId: '191167', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] },
      { id: '280263', email: 'john@example.com', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] },
      { id: '220458', email: 'guest-checkout@example.com', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] },
      { id: 'bystander-order', email: 'someone.else@example.com', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] },
    ] }));
    const id = randomUUID();
    const r = await send(t, 'customers/redact', domain, redactBody(domain), { id });
    expect(r).toEqual({ status: 200, body: { status: 'recorded' } });
    const row = await done(id);
    expect(row).toEqual({ status: 'DONE', outcome: expect.stringMatching(/^forget requests .+; further orders anonymized: 1$/), payload: null, attempts: 1 });
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"191167"){ id } }', { s })).customer).toBeNull();
    const orders = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s, first: 10){ edges { node { id anonymized email } } } }', { s })).orders.edges.map((e: { node: unknown }) => e.node);
    expect(orders).toEqual(expect.arrayContaining([
      { id: '299938', anonymized: true, email: null },
      { id: '280263', anonymized: true, email: null },
      { id: '220458', anonymized: true, email: null },
      { id: 'dr-order', anonymized: true, email: null },
      { id: 'bystander-order', anonymized: false, email: 'someone.else@example.com' },
    ]));
    const ledger = await sql('SELECT reference, status FROM forget_requests WHERE storeId = ?', [s]);
    expect(ledger).toEqual([{ reference: `shopify:${id}`, status: 'COMPLETED' }, { reference: `shopify:${id}`, status: 'COMPLETED' }]);

    // Shopify retries (or someone replays) the same webhook: answered 200, done once.
    expect((await send(t, 'customers/redact', domain, redactBody(domain), { id })).status).toBe(200);
    await sleep(300);
    expect(Number((await sql('SELECT COUNT(*) AS n FROM forget_requests WHERE storeId = ?', [s]))[0].n)).toBe(2);
    expect((await queued()).filter((q) => q.webhookId === id)).toEqual([{ webhookId: id, topic: 'customers/redact', status: 'DONE', attempts: 1, payload: null }]);
  });

  it('shop/redact deletes the store as deleteStore does; the shop is then unknown', async () => {
    const s = a.storeIds[0];
    const { databaseName } = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: s });
    const id = randomUUID();
    expect((await send(t, 'shop/redact', domain, shopRedactBody(domain), { id })).status).toBe(200);
    expect(await done(id)).toEqual({ status: 'DONE', outcome: expect.stringMatching(/^store deleted \(deletion [0-9a-f-]{36}\)$/), payload: null, attempts: 1 });
    expect(codes(await t.gql(a.key, 'query($s:ID!){ store(id:$s){ id } }', { s }))).toEqual(['NOT_FOUND']);
    if (engine === 'sqlite') expect(existsSync(sqliteStoreFile(t.config, databaseName))).toBe(false);
    else await asMysqlAdmin(async (c) => expect((await c.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseName]))[0]).toEqual([]));
    expect(await sql('SELECT origin, status, requestedByKeyId FROM store_deletions WHERE storeId = ?', [s])).toEqual([{ origin: 'shop/redact', status: 'COMPLETED', requestedByKeyId: 'shopify' }]);
    // Sent again later (a new ID): no store is linked to the shop any more; nothing to do.
    expect((await send(t, 'shop/redact', domain, shopRedactBody(domain))).status).toBe(200);
    // The other store of the company is untouched.
    expect(ok(await t.gql(a.key, 'query{ stores { id } }')).stores).toEqual([{ id: a.storeIds[1] }]);
  });
});

describe('Shopify webhooks without SHOPIFY_API_SECRET', () => {
  it('refuses every webhook with 401', async () => {
    const t = await startTestGateway('sqlite');
    try {
      expect((await send(t, 'shop/redact', 'x.myshopify.com', shopRedactBody('x.myshopify.com'))).status).toBe(401);
      expect((await send(t, 'shop/redact', 'x.myshopify.com', shopRedactBody('x.myshopify.com'), { secret: '' })).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
