import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ForgetRequestEntity, StoreEntity, WebhookAttemptEntity, WebhookDeliveryEntity } from '../../src/entities/catalog';
import { recoverForgets } from '../../src/services/privacy/forget-recovery';
import { startWebhookWorker } from '../../src/services/webhooks/webhook-worker';
import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { anotherInstance, Instance } from '../support/instances';
import { failDeletes } from '../support/faults';
import { Like } from 'typeorm';
import { startWebhookReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { catalogOf } from '../support/internals';
import { sleep, until } from '../support/wait';

/**
 * Webhooks out (issue 16, api.md "Added in the second round"): Standard Webhooks signatures,
 * the durable outbox written with the ledger, retries keeping the webhook-id, a restart that
 * loses nothing, and the SSRF guard when a URL is set and again at delivery.
 */
const FAST = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE: '300ms', WEBHOOK_POLL_INTERVAL: '100ms', WEBHOOK_TIMEOUT: '1s' };
const SET_URL = 'mutation($s:ID!,$u:String){ updateStoreSettings(storeId:$s, settings:{webhookUrl:$u}){ id settings { webhookUrl } } }';
const ROTATE = 'mutation($s:ID!){ rotateWebhookSecret(storeId:$s){ secret } }';
const DELIVERIES = 'query($s:ID!,$f:Int,$a:String){ webhookDeliveries(storeId:$s, first:$f, after:$a){ totalCount pageInfo { hasNextPage endCursor } edges { node { id event status attempts lastAttemptAt responseStatus } } } }';
const FORGET = `mutation($q:String!,$s:ID,$r:String){ forgetCustomer(idOrEmail:$q, storeId:$s, reference:$r){ requests {
  id status found reference requestedAt completedAt backupsClearBy customersDeleted ordersAnonymized visitorsDeleted eventsDeleted alreadyForgotten } } }`;

/** The signature of Standard Webhooks, computed by hand: HMAC-SHA256 keyed with the secret's base64-decoded part. */
function handSignature(secret: string, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

type G = Pick<TestGateway, 'gql'>;
async function customerIn(t: G, a: Tenant, storeId: string, id: string, email: string): Promise<void> {
  ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: storeId, c: [{ id, email, name: 'Ida Holm' }] }));
}

async function attemptsOf(t: TestGateway, deliveryId: string) {
  const rows = await catalogOf(t.gateway.services).getRepository(WebhookAttemptEntity).find({ where: { deliveryId }, order: { attempt: 'ASC' } });
  return rows.map((r) => ({ attempt: r.attempt, responseStatus: r.responseStatus, error: r.error }));
}

describe.each(ENGINES)('webhooks out [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let hook: WebhookReceiver;
  let stopWorker: () => Promise<void>;
  let secret: string;
  let store: string;

  beforeAll(async () => {
    t = await startTestGateway(engine, FAST);
    stopWorker = startWebhookWorker(t.gateway.services);
    a = await createTenant(t, 'Hooked', 2);
    b = await createTenant(t, 'Other');
    hook = await startWebhookReceiver();
    store = a.storeIds[0];
    expect(ok(await t.gql(a.key, SET_URL, { s: store, u: hook.url })).updateStoreSettings.settings.webhookUrl).toBe(hook.url);
    secret = ok(await t.gql<{ rotateWebhookSecret: { secret: string } }>(a.key, ROTATE, { s: store })).rotateWebhookSecret.secret;
  });
  afterAll(async () => {
    await stopWorker();
    await hook.close();
    await t.close();
  });
  beforeEach(() => {
    hook.received.length = 0;
    hook.answers.length = 0;
    hook.delayMs = 0;
  });

  it('sends forget.completed with a valid Standard Webhooks signature and the ledger entry as data (no personal data)', async () => {
    await customerIn(t, a, store, 'cust-ida', 'ida.holm@example.dk');
    const [request] = ok(await t.gql(a.key, FORGET, { q: 'ida.holm@example.dk', s: store, r: 'T-1001' })).forgetCustomer.requests;
    expect(request.status).toBe('COMPLETED');
    const [got] = await hook.waitFor(1);
    const id = got.headers['webhook-id'] as string;
    const timestamp = got.headers['webhook-timestamp'] as string;
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
    expect(got.headers['content-type']).toBe('application/json');
    // The library verifies it...
    expect(new Webhook(secret).verify(got.body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': got.headers['webhook-signature'] as string })).toEqual(JSON.parse(got.body));
    // ...and so does node:crypto, by hand.
    expect(got.headers['webhook-signature']).toBe(handSignature(secret, id, timestamp, got.body));
    // A signature with another secret does not verify.
    const other = ok(await t.gql<{ rotateWebhookSecret: { secret: string } }>(a.key, ROTATE, { s: a.storeIds[1] })).rotateWebhookSecret.secret;
    expect(() => new Webhook(other).verify(got.body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': got.headers['webhook-signature'] as string })).toThrow();
    const body = JSON.parse(got.body);
    expect(body).toEqual({
      type: 'forget.completed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {
        id: request.id,
        storeId: store,
        subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        status: 'COMPLETED',
        found: true,
        alreadyForgotten: false,
        customersDeleted: 1,
        ordersAnonymized: 0,
        visitorsDeleted: 0,
        eventsDeleted: 0,
        requestedAt: request.requestedAt,
        completedAt: request.completedAt,
        backupsClearBy: request.backupsClearBy,
        reference: 'T-1001',
        failure: null,
      },
    });
    expect(got.body).not.toMatch(/ida|holm|cust-ida/i);
    // Listed, with `event` equal to the payload's type.
    const d = await until('the delivery to be recorded', async () => {
      const r = ok(await t.gql(a.key, DELIVERIES, { s: store })).webhookDeliveries;
      return r.edges[0]?.node.status === 'DELIVERED' ? r : undefined;
    });
    expect(d.edges[0].node).toEqual({ id, event: 'forget.completed', status: 'DELIVERED', attempts: 1, lastAttemptAt: expect.any(String), responseStatus: 200 });
  });

  it('retries a 500 with the same webhook-id, within 10 s, until a 2xx; every attempt is recorded', async () => {
    hook.answers.push(500, 503);
    await customerIn(t, a, store, 'cust-eva', 'eva@example.dk');
    const started = Date.now();
    ok(await t.gql(a.key, FORGET, { q: 'cust-eva', s: store }));
    const got = await hook.waitFor(3);
    expect(got.map((g) => g.answered)).toEqual([500, 503, 200]);
    const ids = new Set(got.map((g) => g.headers['webhook-id']));
    expect(ids.size).toBe(1);
    // Each attempt is signed afresh (its own timestamp), and each signature verifies.
    for (const g of got) expect(g.headers['webhook-signature']).toBe(handSignature(secret, g.headers['webhook-id'] as string, g.headers['webhook-timestamp'] as string, g.body));
    expect(new Set(got.map((g) => g.body)).size).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const [id] = [...ids] as string[];
    const node = await until('DELIVERED', async () => {
      const n = ok(await t.gql(a.key, DELIVERIES, { s: store, f: 1 })).webhookDeliveries.edges[0].node;
      return n.status === 'DELIVERED' ? n : undefined;
    });
    expect(node).toEqual({ id, event: 'forget.completed', status: 'DELIVERED', attempts: 3, lastAttemptAt: expect.any(String), responseStatus: 200 });
    expect(await attemptsOf(t, id)).toEqual([
      { attempt: 1, responseStatus: 500, error: null },
      { attempt: 2, responseStatus: 503, error: null },
      { attempt: 3, responseStatus: 200, error: null },
    ]);
  });

  it('emits forget.completed for a forget finished by recovery (its process died mid-forget)', async () => {
    await customerIn(t, a, store, 'cust-crash', 'crash@example.dk');
    const at = new Date();
    const id = randomUUID();
    await catalogOf(t.gateway.services).getRepository(ForgetRequestEntity).insert({
      id, storeId: store, companyId: a.companyId, subjectHash: t.gateway.services.hasher.hash(store, 'customer', 'cust-crash'), status: 'PENDING',
      requestedByKeyId: 'k', requestedAt: at, completedAt: null, backupsClearBy: at, customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: false, failure: null,
    });
    expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 1, failed: 0, running: 0 });
    const [got] = await hook.waitFor(1);
    expect(got.headers['webhook-signature']).toBe(handSignature(secret, got.headers['webhook-id'] as string, got.headers['webhook-timestamp'] as string, got.body));
    expect(JSON.parse(got.body)).toMatchObject({ type: 'forget.completed', data: { id, storeId: store, status: 'COMPLETED', customersDeleted: 1, failure: null } });
  });

  it('emits forget.failed when the store fails during the forget', async () => {
    await customerIn(t, a, store, 'cust-fail', 'fail@example.dk');
    const heal = await failDeletes(t, store, 'customers');
    try {
      const [request] = ok(await t.gql(a.key, FORGET, { q: 'cust-fail', s: store })).forgetCustomer.requests;
      expect(request.status).toBe('FAILED');
      const [got] = await hook.waitFor(1);
      expect(JSON.parse(got.body)).toMatchObject({ type: 'forget.failed', data: { id: request.id, status: 'FAILED', completedAt: null, customersDeleted: 0, failure: expect.stringMatching(/Retry/) } });
    } finally {
      await heal();
    }
  });

  it('writes the outbox row and the ledger outcome together: when the outbox insert fails, the ledger stays PENDING (recovery finishes it, with its event)', async () => {
    const catalog = catalogOf(t.gateway.services);
    await catalog.query(
      engine === 'mysql'
        ? "CREATE TRIGGER fail_outbox BEFORE INSERT ON webhook_deliveries FOR EACH ROW BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'; END"
        : "CREATE TRIGGER fail_outbox BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
    );
    let r;
    try {
      await customerIn(t, a, store, 'cust-tx', 'tx@example.dk');
      r = await t.gql(a.key, FORGET, { q: 'cust-tx', s: store });
    } finally {
      await catalog.query('DROP TRIGGER fail_outbox');
    }
    expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
    const pending = await catalog.getRepository(ForgetRequestEntity).findBy({ storeId: store, status: 'PENDING' });
    expect(pending).toHaveLength(1);
    expect(await catalog.getRepository(WebhookDeliveryEntity).countBy({ payload: Like(`%${pending[0].id}%`) })).toBe(0);
    await sleep(300);
    expect(hook.received).toHaveLength(0);
    expect(await recoverForgets(t.gateway.services)).toEqual({ completed: 1, failed: 0, running: 0 });
    const [got] = await hook.waitFor(1);
    expect(JSON.parse(got.body)).toMatchObject({ type: 'forget.completed', data: { id: pending[0].id, status: 'COMPLETED' } });
  });

  it('answers a forget at once while the endpoint hangs; the attempt times out in the background', async () => {
    hook.delayMs = 4000;
    await customerIn(t, a, store, 'cust-slow', 'slow@example.dk');
    const started = Date.now();
    ok(await t.gql(a.key, FORGET, { q: 'cust-slow', s: store }));
    expect(Date.now() - started).toBeLessThan(1500);
    const id = await until('a timed-out attempt', async () => {
      const n = ok(await t.gql(a.key, DELIVERIES, { s: store, f: 1 })).webhookDeliveries.edges[0].node;
      return n.attempts >= 1 ? n.id : undefined;
    });
    expect((await attemptsOf(t, id))[0]).toEqual({ attempt: 1, responseStatus: null, error: 'timeout' });
    // Removing the URL ends it: the next attempt finds no target and gives up.
    hook.delayMs = 0;
    ok(await t.gql(a.key, SET_URL, { s: store, u: null }));
    const n = await until('FAILED', async () => {
      const x = ok(await t.gql(a.key, DELIVERIES, { s: store, f: 1 })).webhookDeliveries.edges[0].node;
      return x.status === 'FAILED' ? x : undefined;
    });
    expect(n.responseStatus).toBeNull();
    expect((await attemptsOf(t, id)).at(-1)!.error).toBe('no-target');
    ok(await t.gql(a.key, SET_URL, { s: store, u: hook.url }));
  });

  it('lists deliveries newest first, page by page', async () => {
    const all = ok(await t.gql(a.key, DELIVERIES, { s: store, f: 100 })).webhookDeliveries;
    expect(all.totalCount).toBe(6);
    expect(all.edges.map((e: { node: { event: string } }) => e.node.event)).toEqual(['forget.completed', 'forget.completed', 'forget.failed', 'forget.completed', 'forget.completed', 'forget.completed']);
    const paged: string[] = [];
    let after: string | null = null;
    for (const more of [true, true, false]) {
      const p: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string } }[] } = ok(await t.gql(a.key, DELIVERIES, { s: store, f: 2, a: after })).webhookDeliveries;
      expect(p.pageInfo.hasNextPage).toBe(more);
      paged.push(...p.edges.map((e) => e.node.id));
      after = p.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.edges.map((e: { node: { id: string } }) => e.node.id));
    // A store without a webhook URL gets no deliveries.
    await customerIn(t, a, a.storeIds[1], 'cust-none', 'none@example.dk');
    ok(await t.gql(a.key, FORGET, { q: 'cust-none', s: a.storeIds[1] }));
    expect(ok(await t.gql(a.key, DELIVERIES, { s: a.storeIds[1] })).webhookDeliveries).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('keeps the secret encrypted in the catalog and audits its rotation (without the secret)', async () => {
    const row = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: store });
    expect(row.webhookSecret).toMatch(/^v1:/);
    expect(row.webhookSecret).not.toContain(secret.slice(6));
    expect(row.webhookSecret).not.toContain(secret.slice(6, 20));
    const audit = ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s, operation:"rotateWebhookSecret"){ totalCount edges { node { operation storeId } } } }', { s: store })).auditLog;
    expect(audit.totalCount).toBe(1);
    const deliveries = await catalogOf(t.gateway.services).getRepository(WebhookDeliveryEntity).find();
    for (const d of deliveries) expect(`${d.payload}${d.sealedSecret}`).not.toContain(secret.slice(6, 20));
  });

  it("treats another company's store as missing, and needs SETTINGS_WRITE", async () => {
    for (const [q, v] of [
      [ROTATE, { s: store }],
      [DELIVERIES, { s: store }],
      [SET_URL, { s: store, u: hook.url }],
    ] as const) {
      const r = await t.gql(b.key, q, v);
      expect(codes(r)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(r)).not.toContain(store);
    }
    expect(codes(await t.gql(b.key, DELIVERIES, { s: 'no-such-store' }))).toEqual(['NOT_FOUND']);
    const reader = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'AUDIT_READ', 'FORGET']);
    expect(codes(await t.gql(reader, ROTATE, { s: store }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(reader, DELIVERIES, { s: store }))).toEqual(['FORBIDDEN']);
  });

  it('stops at once while an attempt hangs, without counting it; the next start sends the event again', async () => {
    await stopWorker();
    const first = await anotherInstance(t);
    const stopFirst = startWebhookWorker(first.gateway.services);
    let hung;
    try {
      hook.delayMs = 5000;
      await customerIn(first, a, store, 'cust-hang', 'hang@example.dk');
      ok(await first.gql(a.key, FORGET, { q: 'cust-hang', s: store }));
      [hung] = await hook.waitFor(1);
    } finally {
      const stopping = Date.now();
      await stopFirst();
      expect(Date.now() - stopping).toBeLessThan(500);
      await first.close();
    }
    const row = await catalogOf(t.gateway.services).getRepository(WebhookDeliveryEntity).findOneByOrFail({ id: hung.headers['webhook-id'] as string });
    expect(row).toMatchObject({ status: 'PENDING', attempts: 0, lastAttemptAt: null });
    hook.delayMs = 0;
    const second = await anotherInstance(t);
    const stopSecond = startWebhookWorker(second.gateway.services);
    try {
      const [, again] = await hook.waitFor(2);
      expect(again.headers['webhook-id']).toBe(hung.headers['webhook-id']);
      await until('DELIVERED', async () => ((await attemptsOf(t, row.id)).length === 1 ? true : undefined));
      expect(await attemptsOf(t, row.id)).toEqual([{ attempt: 1, responseStatus: 200, error: null }]);
    } finally {
      await stopSecond();
      await second.close();
    }
  });

  describe('without WEBHOOK_ALLOW_PRIVATE (another instance on the same databases)', () => {
    let guarded: Instance;
    beforeAll(async () => {
      guarded = await anotherInstance(t, { webhookAllowPrivate: false });
    });
    afterAll(() => guarded.close());

    it.each([
      ['http://hooks.example.com/x', 'must be an https:// URL (http:// is allowed only with WEBHOOK_ALLOW_PRIVATE=true)'],
      ['https://127.0.0.1/x', 'must resolve to public addresses only'],
      ['https://localhost:8443/x', 'must resolve to public addresses only'],
      ['https://10.1.2.3/x', 'must resolve to public addresses only'],
      ['https://169.254.169.254/latest/meta-data', 'must resolve to public addresses only'],
      ['https://100.64.1.1/x', 'must resolve to public addresses only'],
      ['https://[::1]/x', 'must resolve to public addresses only'],
      ['https://[fd00::1]/x', 'must resolve to public addresses only'],
      ['https://[::ffff:127.0.0.1]/x', 'must resolve to public addresses only'],
      ['https://0x7f000001/x', 'must resolve to public addresses only'],
      ['https://hooks.invalid/x', 'must name a host that resolves'],
      ['ftp://hooks.example.com/x', 'must be an https:// URL'],
      ['https://hooks.example.com/<2,100 characters>', 'is longer than 2048 characters'],
    ])('refuses %s with BAD_USER_INPUT naming settings.webhookUrl and the rule', async (shown, rule) => {
      const url = shown.replace('<2,100 characters>', 'a'.repeat(2100));
      const s = a.storeIds[1];
      const r = await guarded.gql(a.key, SET_URL, { s, u: url });
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].message).toContain('settings.webhookUrl');
      expect(r.errors![0].message).toContain(rule);
      expect(r.errors![0].message).not.toMatch(/hooks\.|127\.0|localhost|::1|fd00|0x7f/);
      expect(ok(await guarded.gql(a.key, 'query($s:ID!){ store(id:$s){ settings { webhookUrl } } }', { s })).store.settings.webhookUrl).toBeNull();
    });

    it('refuses a wrongly typed URL like any GraphQL input', async () => {
      expect(codes(await guarded.gql(a.key, SET_URL, { s: a.storeIds[1], u: 42 }))).toEqual(['BAD_USER_INPUT']);
    });

    it('checks again at delivery: a private target already in the catalog is never called', async () => {
      await stopWorker(); // only the guarded instance delivers now
      const stopGuarded = startWebhookWorker(guarded.gateway.services);
      try {
        const s = a.storeIds[1];
        ok(await guarded.gql(a.key, ROTATE, { s }));
        // As if set while allowed (or a name that re-resolved to a private address since).
        await catalogOf(t.gateway.services).getRepository(StoreEntity).update({ id: s }, { webhookUrl: hook.url.replace('http:', 'https:') });
        await customerIn(guarded, a, s, 'cust-g', 'g@example.dk');
        ok(await guarded.gql(a.key, FORGET, { q: 'cust-g', s }));
        const node = await until('two attempts', async () => {
          const n = ok(await guarded.gql(a.key, DELIVERIES, { s })).webhookDeliveries.edges[0]?.node;
          return n && n.attempts >= 2 ? n : undefined;
        });
        expect(node).toMatchObject({ event: 'forget.completed', status: 'PENDING', responseStatus: null });
        expect((await attemptsOf(t, node.id)).slice(0, 2)).toEqual([
          { attempt: 1, responseStatus: null, error: 'refused-address' },
          { attempt: 2, responseStatus: null, error: 'refused-address' },
        ]);
        expect(hook.received).toHaveLength(0);
      } finally {
        await stopGuarded();
        await catalogOf(t.gateway.services).getRepository(StoreEntity).update({ id: a.storeIds[1] }, { webhookUrl: null });
      }
    });
  });

  it('delivers after the gateway stopped mid-retry and a new one started on the same databases, with the same webhook-id', async () => {
    await stopWorker(); // only the instances below deliver
    const slow = { webhookRetryBaseMs: 1500 };
    const first = await anotherInstance(t, slow);
    const stopFirst = startWebhookWorker(first.gateway.services);
    let failed;
    try {
      await customerIn(first, a, store, 'cust-rs', 'rs@example.dk');
      hook.answers.push(500);
      ok(await first.gql(a.key, FORGET, { q: 'cust-rs', s: store }));
      [failed] = await hook.waitFor(1);
      expect(failed.answered).toBe(500);
    } finally {
      // Stopped before the retry is due (1.5 s later).
      await stopFirst();
      await first.close();
    }
    await sleep(1600);
    expect(hook.received).toHaveLength(1);
    const second = await anotherInstance(t, slow);
    const stopSecond = startWebhookWorker(second.gateway.services);
    try {
      const [, retried] = await hook.waitFor(2);
      expect(retried.answered).toBe(200);
      expect(retried.headers['webhook-id']).toBe(failed.headers['webhook-id']);
      expect(retried.headers['webhook-signature']).toBe(handSignature(secret, retried.headers['webhook-id'] as string, retried.headers['webhook-timestamp'] as string, retried.body));
      const node = await until('DELIVERED', async () => {
        const n = ok(await second.gql(a.key, DELIVERIES, { s: store, f: 1 })).webhookDeliveries.edges[0].node;
        return n.status === 'DELIVERED' ? n : undefined;
      });
      expect(node).toMatchObject({ id: failed.headers['webhook-id'], status: 'DELIVERED', attempts: 2, responseStatus: 200 });
    } finally {
      await stopSecond();
      await second.close();
    }
  });
});
