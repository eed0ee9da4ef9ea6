import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreEntity } from '../../src/entities/catalog';
import { sqliteStoreFile, storeDbUser } from '../../src/tenancy/data-source-factory';
import { asMysqlAdmin, codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { jwksOf, tamper, verifyWithNodeCrypto } from '../support/receipts';
import { catalogOf } from '../support/internals';

const DELETE = 'mutation($s:ID!,$n:String!){ deleteStore(storeId:$s, confirmName:$n){ storeId deletedAt receipt } }';
const STORE = 'query($s:ID!){ store(id:$s){ id name } }';
const STORES = 'query{ stores { id } }';
const KEYS = 'query{ apiKeys { name storeIds revokedAt } }';

describe.each(ENGINES)('deleteStore [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Offboarded Co', 2);
    b = await createTenant(t, 'Other Co');
  });
  afterAll(() => t?.close());

  const row = (id: string) => catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id });
  const sql = (q: string, p: unknown[] = []) => catalogOf(t.gateway.services).query(q, p) as Promise<Record<string, unknown>[]>;

  it('refuses a wrong name (BAD_USER_INPUT naming confirmName) and another tenant (NOT_FOUND), changing nothing', async () => {
    const s = a.storeIds[0];
    const wrong = await t.gql(a.key, DELETE, { s, n: 'offboarded co store 1' });
    expect(codes(wrong)).toEqual(['BAD_USER_INPUT']);
    expect(wrong.errors![0].message).toContain('`confirmName`');
    expect(wrong.errors![0].message).not.toContain('offboarded co store 1');
    const other = await t.gql(b.key, DELETE, { s, n: 'Offboarded Co store 1' });
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect(other.errors![0].message).toBe((await t.gql(b.key, DELETE, { s: '00000000-0000-0000-0000-000000000000', n: 'x' })).errors![0].message);
    expect(ok(await t.gql(a.key, STORE, { s })).store).toEqual({ id: s, name: 'Offboarded Co store 1' });
  });

  it('drops the database (file or MySQL database and user), revokes keys narrowed to it alone, hides it everywhere, keeps ledger, suppressions and audit; the receipt verifies', async () => {
    const [s, s2] = a.storeIds;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'd-1', email: 'dora@example.dk' }, { id: 'd-2' }, { id: 'd-3' }] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [1, 2, 3, 4].map((i) => ({ visitorId: `v-${i % 2}`, customerId: 'd-2', type: 'PAGE_VIEW', url: `https://shop.example/${i}`, occurredAt: new Date().toISOString() })) }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'o-1', customerId: 'd-2', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 5 }] }] }));
    ok(await t.gql(a.key, 'mutation($s:ID){ forgetCustomer(idOrEmail:"dora@example.dk", storeId:$s){ requests { id } } }', { s }));
    const onlyThis = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s]);
    const both = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s, s2]);
    const { databaseName } = await row(s);
    const file = sqliteStoreFile(t.config, databaseName);
    if (engine === 'sqlite') expect(existsSync(file)).toBe(true);

    const r = ok(await t.gql(a.key, DELETE, { s, n: 'Offboarded Co store 1' })).deleteStore;
    expect(r).toEqual({ storeId: s, deletedAt: expect.any(String), receipt: expect.any(String) });
    const jwks = await jwksOf(t.url);
    expect(verifyWithNodeCrypto(r.receipt, jwks)).toEqual({
      iss: 'privacy-gateway',
      type: 'store.deleted',
      deletionId: expect.any(String),
      storeId: s,
      status: 'COMPLETED',
      // d-1 was forgotten before: two customers, one order, two visitors, four events remain.
      counts: { customersDeleted: 2, ordersDeleted: 1, visitorsDeleted: 2, eventsDeleted: 4, keysRevoked: 1 },
      requestedAt: r.deletedAt,
      completedAt: expect.any(String),
    });
    expect(verifyWithNodeCrypto(tamper(r.receipt), jwks)).toBeNull();

    // Nothing of the store is left.
    if (engine === 'sqlite') {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(existsSync(f)).toBe(false);
    } else {
      await asMysqlAdmin(async (c) => {
        const [dbs] = await c.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [databaseName]);
        expect(dbs).toEqual([]);
        const [users] = await c.query('SELECT User FROM mysql.user WHERE User = ?', [storeDbUser(t.config, databaseName).user]);
        expect(users).toEqual([]);
      });
    }
    // NOT_FOUND everywhere, in no list; its keys revoked or narrowed.
    expect(codes(await t.gql(a.key, STORE, { s }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s){ totalCount } }', { s }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'late' }] }))).toEqual(['NOT_FOUND']);
    expect(ok(await t.gql(a.key, STORES)).stores).toEqual([{ id: s2 }]);
    expect(codes(await t.gql(onlyThis, STORES))).toEqual(['UNAUTHENTICATED']);
    expect(ok(await t.gql(both, STORES)).stores).toEqual([{ id: s2 }]);
    expect(ok(await t.gql(a.key, KEYS)).apiKeys.filter((k: { storeIds: string[] | null }) => k.storeIds).map((k: { storeIds: string[]; revokedAt: string | null }) => [k.storeIds, k.revokedAt !== null])).toEqual(
      expect.arrayContaining([[[s], true], [[s2], false]]),
    );
    expect(codes(await t.gql(a.key, DELETE, { s, n: 'Offboarded Co store 1' }))).toEqual(['NOT_FOUND']);
    // Kept: the ledger, the suppression hashes, the audit entries, and the deletion's record.
    expect(await sql('SELECT status FROM forget_requests WHERE storeId = ?', [s])).toEqual([{ status: 'COMPLETED' }]);
    expect(Number((await sql('SELECT COUNT(*) AS n FROM suppressions WHERE storeId = ?', [s]))[0].n)).toBeGreaterThan(0);
    expect((await sql('SELECT operation FROM audit_log WHERE storeId = ? ORDER BY at', [s])).map((x) => x.operation)).toEqual(expect.arrayContaining(['forgetCustomer', 'deleteStore']));
    expect(await sql('SELECT status, origin, keysRevoked FROM store_deletions WHERE storeId = ?', [s])).toEqual([{ status: 'COMPLETED', origin: 'deleteStore', keysRevoked: 1 }]);
    // The record stays readable by the company, with the same receipt; not by another company.
    const DELETION = 'query($s:ID!){ storeDeletion(storeId:$s){ storeId status customersDeleted ordersDeleted visitorsDeleted eventsDeleted keysRevoked receipt } }';
    expect(ok(await t.gql(a.key, DELETION, { s })).storeDeletion).toEqual({ storeId: s, status: 'COMPLETED', customersDeleted: 2, ordersDeleted: 1, visitorsDeleted: 2, eventsDeleted: 4, keysRevoked: 1, receipt: r.receipt });
    expect(codes(await t.gql(b.key, DELETION, { s }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(a.key, DELETION, { s: s2 }))).toEqual(['NOT_FOUND']);
    // The other store is untouched.
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s2, c: [{ id: 'still-here' }] })).upsertCustomers.accepted).toBe(1);
  });

  it('needs SETTINGS_WRITE', async () => {
    const reader = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    expect(codes(await t.gql(reader, DELETE, { s: a.storeIds[1], n: 'Offboarded Co store 2' }))).toEqual(['FORBIDDEN']);
  });
});

describe('npm run delete-store', () => {
  it('deletes a store from the command line with the exact name, and refuses another name', async () => {
    const t = await startTestGateway('sqlite');
    try {
      const a = await createTenant(t, 'Cli Co');
      const s = a.storeIds[0];
      const run = (args: string[]) =>
        new Promise<{ code: number; out: string }>((resolve) => {
          execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/delete-store.ts', ...args], { cwd: join(__dirname, '..', '..'), env: { ...process.env, DATA_DIR: t.config.dataDir, SEED_DEMO: '0', LOG_LEVEL: 'silent' } }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
          );
        });
      const wrong = await run(['--store', s, '--confirm', 'Cli Co store 2']);
      expect(wrong).toEqual({ code: 1, out: expect.stringContaining('`confirmName` must equal the store\'s name exactly') });
      const good = await run(['--store', s, '--confirm', 'Cli Co store 1']);
      expect(good.code).toBe(0);
      expect(good.out).toMatch(new RegExp(`^deleted store ${s} at \\S+: customers 0, orders 0, visitors 0, events 0; keys revoked 0\\nreceipt: [\\w-]+\\.[\\w-]+\\.[\\w-]+\\n$`));
      expect(codes(await t.gql(a.key, STORE, { s }))).toEqual(['NOT_FOUND']);
    } finally {
      await t.close();
    }
  }, 60_000);
});
