import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { createGateway, Gateway } from '../../src/app';
import { AuditEntryEntity, StoreEntity } from '../../src/entities/catalog';
import { createLogger } from '../../src/logging';
import { asMysqlAdmin, codes, dropDatabases, ENGINES, gqlClient, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { catalogOf } from '../support/internals';

const LOOKUP = 'query Lookup($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';
const PROFILE = 'query Profile($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email } }';
const INTROSPECTION = '{ __schema { queryType { name } } }';

/** The audit entries a key left, oldest first, as the catalog holds them. */
async function entriesOf(t: TestGateway, apiKeyId: string) {
  const rows = await catalogOf(t.gateway.services).getRepository(AuditEntryEntity).find({ where: { apiKeyId }, order: { id: 'ASC' } });
  return rows.map((e) => ({ operation: e.operation, storeId: e.storeId, subjectHash: e.subjectHash, records: e.records }));
}

async function keyIdOf(t: TestGateway, key: string): Promise<string> {
  return ok(await t.gql<{ viewer: { apiKeyId: string } }>(key, '{ viewer { apiKeyId } }')).viewer.apiKeyId;
}

describe.each(ENGINES)('e-mail lookups are audited [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let reader: string;
  let readerId: string;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Lookups');
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c: [{ id: 'c1', email: 'anna@example.com' }, { id: 'C2@Shop.example', email: 'bo@example.com' }] }));
    reader = await createKey(t, t.adminKey, a.companyId, ['PROFILES_READ']);
    readerId = await keyIdOf(t, reader);
  });
  afterAll(() => t?.close());

  it('records a PROFILES_READ lookup by e-mail that finds a customer as a read of that customer, without any personal field selected', async () => {
    const s = a.storeIds[0];
    const before = (await entriesOf(t, readerId)).length;
    expect(ok(await t.gql(reader, LOOKUP, { s, q: '  Anna@Example.com ' }))).toEqual({ customer: { id: 'c1' } });
    const after = await entriesOf(t, readerId);
    expect(after.slice(before)).toEqual([
      { operation: 'Lookup', storeId: s, subjectHash: t.gateway.services.hasher.hash(s, 'customer', 'c1'), records: 1 },
    ]);
  });

  it('records a lookup by e-mail that matches nobody, with no records, under the e-mail address\'s keyed hash', async () => {
    const s = a.storeIds[0];
    const before = (await entriesOf(t, readerId)).length;
    expect(ok(await t.gql(reader, LOOKUP, { s, q: 'Nobody@Example.com' }))).toEqual({ customer: null });
    expect((await entriesOf(t, readerId)).slice(before)).toEqual([
      { operation: 'Lookup', storeId: s, subjectHash: t.gateway.services.hasher.hash(s, 'email', 'nobody@example.com'), records: 0 },
    ]);
  });

  it('records a value with @ that matches a customer ID as a read of that customer', async () => {
    const s = a.storeIds[0];
    const before = (await entriesOf(t, readerId)).length;
    expect(ok(await t.gql(reader, LOOKUP, { s, q: 'C2@Shop.example' }))).toEqual({ customer: { id: 'C2@Shop.example' } });
    expect((await entriesOf(t, readerId)).slice(before)).toEqual([
      { operation: 'Lookup', storeId: s, subjectHash: t.gateway.services.hasher.hash(s, 'customer', 'C2@Shop.example'), records: 1 },
    ]);
  });

  it('writes one entry when the same lookup also reads personal fields, and none for a lookup by customer ID alone', async () => {
    const s = a.storeIds[0];
    const fullId = await keyIdOf(t, a.key);
    const before = (await entriesOf(t, fullId)).length;
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'anna@example.com' }))).toEqual({ customer: { id: 'c1', email: 'anna@example.com' } });
    expect(ok(await t.gql(reader, LOOKUP, { s, q: 'c1' }))).toEqual({ customer: { id: 'c1' } });
    expect((await entriesOf(t, fullId)).slice(before)).toEqual([
      { operation: 'Profile', storeId: s, subjectHash: t.gateway.services.hasher.hash(s, 'customer', 'c1'), records: 1 },
    ]);
  });

  it('audits nothing for another company\'s store, which stays NOT_FOUND', async () => {
    const other = await createTenant(t, 'Elsewhere');
    const before = (await entriesOf(t, readerId)).length;
    const r = await t.gql(reader, LOOKUP, { s: other.storeIds[0], q: 'anna@example.com' });
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect((await entriesOf(t, readerId)).length).toBe(before);
  });
});

describe.each(ENGINES)('the read audit entry is written before the response leaves [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    t = await startTestGateway(engine, {}, { logs });
    a = await createTenant(t, 'Durable');
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c: [{ id: 'd1', email: 'dora@example.com' }] }));
  });
  afterAll(() => t?.close());

  /** Makes every audit INSERT fail, from outside the gateway, as a broken catalog would. */
  async function withFailingAudit<T>(work: () => Promise<T>): Promise<T> {
    if (engine === 'sqlite') {
      const db = new Database(join(t.config.dataDir, 'catalog.sqlite'));
      try {
        db.exec("CREATE TRIGGER audit_test BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused for dora@example.com'); END");
        return await work();
      } finally {
        db.exec('DROP TRIGGER IF EXISTS audit_test');
        db.close();
      }
    }
    const catalog = t.config.mysql!.catalogDatabase;
    await asMysqlAdmin((c) =>
      c.query(`CREATE TRIGGER \`${catalog}\`.audit_test BEFORE INSERT ON \`${catalog}\`.audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit refused for dora@example.com'`),
    );
    try {
      return await work();
    } finally {
      await asMysqlAdmin((c) => c.query(`DROP TRIGGER IF EXISTS \`${catalog}\`.audit_test`));
    }
  }

  it('holds the response until the entry is committed: it is in the catalog the moment the client has the answer', async () => {
    const s = a.storeIds[0];
    const keyId = await keyIdOf(t, a.key); // the key's lastUsedAt is written now, not under the lock
    const before = (await entriesOf(t, keyId)).length;
    // A slow catalog: the write takes 800 ms (the service is wrapped in this process; SQLite's
    // busy wait would block the event loop the test runs on).
    const audit = t.gateway.services.audit;
    const record = audit.record.bind(audit);
    let committedAt = 0;
    audit.record = async (ctx, entries) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      await record(ctx, entries);
      committedAt = performance.now();
    };
    let r;
    try {
      const answer = await t.gql(a.key, PROFILE, { s, q: 'dora@example.com' });
      r = { answer, answeredAt: performance.now(), entries: await entriesOf(t, keyId) };
    } finally {
      audit.record = record;
    }
    expect(committedAt).toBeGreaterThan(0);
    expect(r.answeredAt).toBeGreaterThanOrEqual(committedAt);
    expect(ok(r.answer)).toEqual({ customer: { id: 'd1', email: 'dora@example.com' } });
    expect(r.entries.slice(before)).toEqual([{ operation: 'Profile', storeId: s, subjectHash: t.gateway.services.hasher.hash(s, 'customer', 'd1'), records: 1 }]);
  });

  it('sends no personal data when the entry cannot be written, and logs none', async () => {
    // The failure's message quotes an e-mail, as a driver's can ("Duplicate entry 'a@b.dk'"):
    // Apollo's own "Unexpected error processing request" line goes to the gateway's log,
    // scrubbed, never straight to the console.
    const r = await withFailingAudit(() => t.gql(a.key, PROFILE, { s: a.storeIds[0], q: 'dora@example.com' }));
    expect(r.data ?? null).toBeNull();
    expect(JSON.stringify(r)).not.toContain('dora');
    expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(logs.filter((line) => line.source === 'apollo' && String(line.msg).includes('audit refused for [email]'))).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain('dora@');
  });

  if (engine === 'sqlite') {
    it('commits the catalog with synchronous=FULL, so an entry survives a power cut, not only a process crash', async () => {
      expect(await catalogOf(t.gateway.services).query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
    });
  }
});

describe.each(ENGINES)('the operator key [%s]', (engine) => {
  let t: TestGateway;
  /** The gateway running now: t's own, or the last one restarted on its databases. */
  let current: Gateway | undefined;
  afterAll(async () => {
    if (!t) return;
    await current?.stop();
    if (t.engine === 'mysql') await dropDatabases(t.config.mysql!.catalogDatabase, t.config);
    rmSync(t.config.dataDir, { recursive: true, force: true });
  });

  /** Stops the gateway and starts another on the same databases, as a restart does. */
  async function restart(bootstrapAdminKey: string): Promise<TestGateway['gql']> {
    await current!.stop();
    current = await createGateway({ ...t.config, bootstrapAdminKey }, createLogger('silent'));
    const server = await current.listen(0);
    return gqlClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  }

  it('stays revoked across restarts until BOOTSTRAP_ADMIN_KEY changes', async () => {
    t = await startTestGateway(engine);
    current = t.gateway;
    const id = await keyIdOf(t, t.adminKey);
    const revoked = ok(await t.gql<{ revokeApiKey: { id: string; revokedAt: string | null } }>(t.adminKey, 'mutation($id:ID!){ revokeApiKey(id:$id){ id revokedAt } }', { id }));
    expect(revoked.revokeApiKey.id).toBe(id);
    expect(revoked.revokeApiKey.revokedAt).not.toBeNull();
    expect(codes(await t.gql(t.adminKey, '{ viewer { apiKeyId } }'))).toEqual(['UNAUTHENTICATED']);

    const same = await restart(t.adminKey);
    expect(codes(await same(t.adminKey, '{ viewer { apiKeyId } }'))).toEqual(['UNAUTHENTICATED']);
    const again = await restart(t.adminKey);
    expect(codes(await again(t.adminKey, '{ viewer { apiKeyId } }'))).toEqual(['UNAUTHENTICATED']);

    const newSecret = `${t.adminKey}-rotated`;
    const rotated = await restart(newSecret);
    expect(ok(await rotated(newSecret, '{ viewer { apiKeyId } }'))).toEqual({ viewer: { apiKeyId: id } });
    expect(codes(await rotated(t.adminKey, '{ viewer { apiKeyId } }'))).toEqual(['UNAUTHENTICATED']);
    // A new operator key can create companies: it has every right of the old one.
    ok(await rotated(newSecret, 'mutation{ createCompany(name:"After rotation"){ id } }'));
  });
});

describe.each(ENGINES)('introspection in production [%s]', (engine) => {
  let t: TestGateway;
  let key: string;
  const nodeEnv = process.env.NODE_ENV;
  beforeAll(async () => {
    // Apollo reads NODE_ENV when the server is built: production is what matters here.
    process.env.NODE_ENV = 'production';
    try {
      t = await startTestGateway(engine);
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const a = await createTenant(t, 'Docs');
    key = await createKey(t, t.adminKey, a.companyId, ['PROFILES_READ']);
  });
  afterAll(() => t?.close());

  it('answers introspection with a valid key (the playground\'s docs)', async () => {
    const r = await t.gql(key, INTROSPECTION);
    expect(r.status).toBe(200);
    expect(ok(r)).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses it without a key, or with an unknown one, before any validation', async () => {
    for (const k of [null, 'pgw_not-a-key']) {
      const r = await t.gql(k, INTROSPECTION);
      expect(r.status).toBe(401);
      expect(r.data ?? null).toBeNull();
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

(ENGINES.includes('sqlite') ? describe : describe.skip)('data file modes [sqlite]', () => {
  let t: TestGateway;
  const base = mkdtempSync(join(tmpdir(), 'pgw-modes-'));
  afterAll(async () => {
    await t?.close();
    rmSync(base, { recursive: true, force: true });
  });

  const mode = (p: string) => statSync(p).mode & 0o777;

  it('creates the data folders 0700 and every database file, with its WAL and SHM, 0600', async () => {
    // A folder the gateway creates itself, so the umask would decide its mode.
    t = await startTestGateway('sqlite', { DATA_DIR: join(base, 'data') });
    const a = await createTenant(t, 'Modes');
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c: [{ id: 'm1', email: 'm@example.com' }] }));
    const store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: a.storeIds[0] });
    const dir = t.config.dataDir;
    const storeFile = join(dir, 'stores', `${store.databaseName}.sqlite`);
    expect({
      dataDir: mode(dir),
      stores: mode(join(dir, 'stores')),
      secret: mode(join(dir, 'subject-hash.secret')),
      catalog: mode(join(dir, 'catalog.sqlite')),
      catalogWal: mode(join(dir, 'catalog.sqlite-wal')),
      catalogShm: mode(join(dir, 'catalog.sqlite-shm')),
      store: mode(storeFile),
      storeWal: mode(`${storeFile}-wal`),
      storeShm: mode(`${storeFile}-shm`),
    }).toEqual({
      dataDir: 0o700,
      stores: 0o700,
      secret: 0o600,
      catalog: 0o600,
      catalogWal: 0o600,
      catalogShm: 0o600,
      store: 0o600,
      storeWal: 0o600,
      storeShm: 0o600,
    });
  });
});
