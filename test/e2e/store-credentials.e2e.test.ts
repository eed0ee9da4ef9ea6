import { spawn } from 'node:child_process';
import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ConfigError, loadConfig, parseMysqlUrl } from '../../src/config';
import { StoreCredentialEntity, StoreEntity } from '../../src/entities/catalog';
import { storeDbPassword, storeDbUserName, rotateStoreCredentials } from '../../src/tenancy/store-credentials';
import { asMysqlAdmin, ENGINES, MYSQL_TEST_URL, ok, startTestGateway, TEST_RECEIPT_KEY, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { catalogOf, registryOf } from '../support/internals';

const ROOT = join(__dirname, '..', '..');
const PROFILE = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email orders(first:5){ totalCount } visitors { id log(first:5){ edges { node { url } } } } } }';

/** What the MySQL server answers a connection attempt as a user: 'ok' or the error number. */
async function connectAs(user: string, password: string, database: string): Promise<'ok' | number> {
  const s = parseMysqlUrl(MYSQL_TEST_URL);
  try {
    const c = await createConnection({ host: s.host, port: s.port, user, password, database });
    await c.end();
    return 'ok';
  } catch (e) {
    return (e as { errno: number }).errno;
  }
}

const admin = <T>(sql: string, params: unknown[] = []) => asMysqlAdmin(async (c) => (await c.query(sql, params))[0] as T);

/** The host the server sees this machine's connections come from (the default for store users). */
const ownHost = async () => (await admin<{ h: string }[]>("SELECT SUBSTRING_INDEX(USER(), '@', -1) AS h"))[0].h;
const hostsOf = async (user: string) => (await admin<{ h: string }[]>('SELECT Host AS h FROM mysql.user WHERE User = ? ORDER BY Host', [user])).map((r) => r.h);
const grantsOf = async (user: string, host: string) =>
  (await admin<Record<string, string>[]>(`SHOW GRANTS FOR '${user}'@'${host}'`)).map((r) => Object.values(r)[0]).filter((g) => !/^GRANT USAGE ON \*\.\* TO/.test(g));

/** Ends every session the store's user has open, as a server restart or network cut would. */
async function killSessions(user: string): Promise<void> {
  for (const { id } of await admin<{ id: number }[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [user])) {
    await admin(`KILL ${Number(id)}`).catch(() => undefined);
  }
}

(ENGINES.includes('mysql') ? describe : describe.skip)('per-store MySQL users [mysql]', () => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;
  let store: StoreEntity;
  let user: string;
  beforeAll(async () => {
    t = await startTestGateway('mysql');
    a = await createTenant(t, 'Credentials');
    s = a.storeIds[0];
    store = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: s });
    user = storeDbUserName(store.databaseName);
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [1, 2, 3].map((i) => ({ id: `c${i}`, email: `c${i}@example.com`, city: 'Aarhus' })) }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [1, 2, 3].map((i) => ({ visitorId: `v${i}`, customerId: `c${i}`, type: 'PAGE_VIEW', url: `https://shop/${i}`, occurredAt: new Date(Date.now() - 400 * 86400_000).toISOString() })) }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [1, 2, 3].map((i) => ({ id: `o${i}`, customerId: `c${i}`, currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 3 }] })) }));
  });
  afterAll(() => t?.close());

  it('grants SELECT, INSERT, UPDATE, DELETE on its own database alone, to the host the gateway connects from, not %', async () => {
    const host = await ownHost();
    expect(await hostsOf(user)).toEqual([host]);
    expect(await grantsOf(user, host)).toEqual([`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${store.databaseName}\`.* TO \`${user}\`@\`${host}\``]);
    // The schema is the administrator's: the store user can change no table.
    const em = await registryOf(t.gateway.services).manager(store);
    expect(await em.query('SELECT CURRENT_USER() AS who')).toEqual([{ who: `${user}@${host}` }]);
    for (const ddl of ['CREATE TABLE x (i INT)', 'DROP TABLE customers', 'ALTER TABLE customers ADD COLUMN x INT']) {
      await expect(em.query(ddl)).rejects.toMatchObject({ driverError: { errno: expect.any(Number) } });
    }
  });

  it('serves every store operation as that user: profiles, lists, ingestion, report, settings erase, forget (locking reads) and purge', async () => {
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'c1@example.com' })).customer).toEqual({
      id: 'c1',
      email: 'c1@example.com',
      orders: { totalCount: 1 },
      visitors: [{ id: 'v1', log: { edges: [{ node: { url: 'https://shop/1' } }] } }],
    });
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } }', { s }))).toEqual({ customers: { totalCount: 3 }, orders: { totalCount: 3 } });
    expect(ok(await t.gql(a.key, 'query($s:ID!){ privacyReport(idOrEmail:"c2@example.com", storeId:$s){ stores { customer { id } } } }', { s }))).toEqual({ privacyReport: { stores: [{ customer: { id: 'c2' } }] } });
    expect(ok(await t.gql(a.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"c2@example.com", storeId:$s){ requests { status customersDeleted ordersAnonymized } } }', { s }))).toEqual({
      forgetCustomer: { requests: [{ status: 'COMPLETED', customersDeleted: 1, ordersAnonymized: 1 }] },
    });
    expect(ok(await t.gql(a.key, 'mutation($s:ID!){ purgeExpiredData(storeId:$s){ eventsDeleted } }', { s }))).toEqual({ purgeExpiredData: { eventsDeleted: 2 } });
    expect(ok(await t.gql(a.key, 'mutation($s:ID!){ updateStoreSettings(storeId:$s, settings:{collectEmails:false}, eraseCollected:true){ settings { collectEmails } } }', { s }))).toEqual({
      updateStoreSettings: { settings: { collectEmails: false } },
    });
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'c3' })).customer.email).toBeNull();
  });

  it('derives the password by HKDF with a label of its own, not from the subject-hash key as before', async () => {
    const expected = Buffer.from(hkdfSync('sha256', t.config.subjectHashSecret, 'privacy-gateway/store-db-password', `v1\u00001\u0000${store.databaseName}`, 24)).toString('base64url');
    expect(storeDbPassword(t.config, store.databaseName, 1)).toBe(expected);
    expect(await connectAs(user, expected, store.databaseName)).toBe('ok');
    expect(await connectAs(user, storeDbPassword(t.config, store.databaseName, 0), store.databaseName)).toBe(1045);
    // A dedicated secret, when configured, replaces SUBJECT_HASH_SECRET as the key material.
    expect(storeDbPassword({ ...t.config, storeDbSecret: 'd'.repeat(40) }, store.databaseName, 1)).not.toBe(expected);
    expect(storeDbPassword(t.config, store.databaseName, 2)).not.toBe(expected);
  });

  it('rotates with the rotate-store-credentials CLI while the gateway keeps serving, and the gateway follows', async () => {
    const failures: unknown[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        const r = await t.gql(a.key, PROFILE, { s, q: 'c1' });
        if (r.errors?.length) failures.push(r.errors);
        const w = await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: `r${i % 5}`, city: 'Vejle' }] });
        if (w.errors?.length) failures.push(w.errors);
      }
    })();
    const cli = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/rotate-store-credentials.ts', '--store', s], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `${MYSQL_TEST_URL}/${t.config.mysql!.catalogDatabase}`, SUBJECT_HASH_SECRET: t.config.subjectHashSecret, RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY, LOG_LEVEL: 'silent', RETENTION_INTERVAL: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await traffic;
    expect({ code, out }).toEqual({ code: 0, out: expect.stringMatching(/password generation 2\n1 store rotated\n$/) });
    expect(failures).toEqual([]);

    expect(await catalogOf(t.gateway.services).getRepository(StoreCredentialEntity).findOneByOrFail({ storeId: s })).toMatchObject({ generation: 2 });
    expect(await connectAs(user, storeDbPassword(t.config, store.databaseName, 2), store.databaseName)).toBe('ok');
    expect(await connectAs(user, storeDbPassword(t.config, store.databaseName, 1), store.databaseName)).toBe(1045);
    // Every old session gone: the gateway's connections now must be made with the new password.
    await killSessions(user);
    await registryOf(t.gateway.services).manager(store).then((em) => em.query('SELECT 1').catch(() => undefined)); // a pool may hand out one dead connection first
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'c1' })).customer.id).toBe('c1');
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'after', city: 'Vejle' }] }))).toEqual({ upsertCustomers: { accepted: 1, suppressed: 0, emailsDropped: 0 } });
  });

  it('keeps serving a store whose user is of the old scheme, and rotation brings it to the new one', async () => {
    const other = ok(await t.gql<{ createStore: { id: string } }>(t.adminKey, 'mutation($c:ID!){ createStore(companyId:$c, name:"Old scheme"){ id } }', { c: a.companyId })).createStore.id;
    const old = await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: other });
    const oldUser = storeDbUserName(old.databaseName);
    // As a store created before this change: '%', ALL PRIVILEGES, the old password, no generation row.
    const host = await ownHost();
    await admin(`DROP USER '${oldUser}'@'${host}'`);
    await admin(`CREATE USER '${oldUser}'@'%' IDENTIFIED BY ?`, [storeDbPassword(t.config, old.databaseName, 0)]);
    await admin(`GRANT ALL PRIVILEGES ON \`${old.databaseName}\`.* TO '${oldUser}'@'%'`);
    await catalogOf(t.gateway.services).getRepository(StoreCredentialEntity).delete({ storeId: other });
    await registryOf(t.gateway.services).close(other); // as after a restart

    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: other, c: [{ id: 'legacy', city: 'Ribe' }] }));
    expect(ok(await t.gql(a.key, PROFILE, { s: other, q: 'legacy' })).customer.id).toBe('legacy');

    expect(await rotateStoreCredentials(t.config, catalogOf(t.gateway.services), old)).toBe(1);
    expect(await hostsOf(oldUser)).toEqual([host]);
    expect(await grantsOf(oldUser, host)).toEqual([`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${old.databaseName}\`.* TO \`${oldUser}\`@\`${host}\``]);
    await killSessions(oldUser);
    await registryOf(t.gateway.services).manager(old).then((em) => em.query('SELECT 1').catch(() => undefined));
    expect(ok(await t.gql(a.key, PROFILE, { s: other, q: 'legacy' })).customer.id).toBe('legacy');
  });

  it('creates users for the configured hosts only when STORE_DB_USER_HOST is set', async () => {
    const g = await startTestGateway('mysql', { STORE_DB_USER_HOST: '127.0.0.1,localhost' });
    try {
      const tenant = await createTenant(g, 'Hosts');
      const row = await catalogOf(g.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: tenant.storeIds[0] });
      expect(await hostsOf(storeDbUserName(row.databaseName))).toEqual(['127.0.0.1', 'localhost']);
      ok(await g.gql(tenant.key, UPSERT_CUSTOMERS, { s: tenant.storeIds[0], c: [{ id: 'h1' }] }));
    } finally {
      await g.close();
    }
  });
});

describe('store database user settings', () => {
  const base = { DATA_DIR: '/tmp/pgw-config-test', DATABASE_URL: 'mysql://root@127.0.0.1:3306/x', SUBJECT_HASH_SECRET: 's'.repeat(40) };
  it.each([
    [{ STORE_DB_USER_HOST: "%' IDENTIFIED BY 'x" }, /STORE_DB_USER_HOST/],
    [{ STORE_DB_USER_HOST: ' , ' }, /STORE_DB_USER_HOST/],
    [{ STORE_DB_USER_HOST: 'h'.repeat(256) }, /STORE_DB_USER_HOST/],
    [{ STORE_DB_SECRET: 'short' }, /STORE_DB_SECRET/],
  ])('refuses %j naming the variable, never the value', (env, name) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(name);
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      const value = Object.values(env)[0].trim();
      if (value.length > 2) expect((e as Error).message).not.toContain(value);
    }
  });

  it('reads a list of host patterns', () => {
    expect(loadConfig({ ...base, STORE_DB_USER_HOST: '10.0.0.%, localhost' }).storeDbUserHosts).toEqual(['10.0.0.%', 'localhost']);
    expect(loadConfig(base).storeDbUserHosts).toBeUndefined();
  });
});
