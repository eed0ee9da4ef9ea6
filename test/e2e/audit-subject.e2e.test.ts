import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { parseMysqlUrl } from '../../src/config';
import { createLogger } from '../../src/logging';
import { CATALOG_MIGRATIONS } from '../../src/migrations/catalog';
import { AuditSubjectsAndKeyNames1796135386282 } from '../../src/migrations/catalog/1796135386282-AuditSubjectsAndKeyNames';
import { mysqlOptions, sqliteOptions } from '../../src/tenancy/data-source-factory';
import { QueryObserver } from '../../src/tenancy/query-observer';
import { asMysqlAdmin, codes, ENGINES, MYSQL_TEST_URL, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS } from '../support/fixtures';

type Entry = { operation: string; storeId: string; apiKeyId: string; apiKeyName: string | null; records: number; detail: string | null };

const LOG = `query($subject:String,$s:ID,$op:String,$from:DateTime,$to:DateTime,$first:Int,$after:String){
  auditLog(subject:$subject, storeId:$s, operation:$op, from:$from, to:$to, first:$first, after:$after){
    totalCount edges { node { operation storeId apiKeyId apiKeyName records detail } } pageInfo { hasNextPage endCursor } } }`;

/** Anna: customer `anna-1`, e-mail as the shop sent it, visitor `va-1`. Bo: another person in the same store. */
const ANNA = { id: 'anna-1', email: 'Anna.Jensen@Example.dk', canonical: 'anna.jensen@example.dk', visitor: 'va-1' };
const BO = { id: 'bo-2', email: 'bo@example.dk', visitor: 'vb-2' };

describe.each(ENGINES)('audit trail per person [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let s: string;
  let reader: string;
  let readerId: string;

  const log = async (key: string, vars: Record<string, unknown>) => ok(await t.gql(key, LOG, { first: 100, ...vars })).auditLog as { totalCount: number; edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
  const ops = async (key: string, vars: Record<string, unknown>) => (await log(key, vars)).edges.map((e) => e.node.operation);

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Audited', 2);
    b = await createTenant(t, 'Elsewhere');
    s = a.storeIds[0];
    // The same customer ID in another company's store: its entries must never show up for A.
    for (const [key, store] of [[a.key, s], [a.key, a.storeIds[1]], [b.key, b.storeIds[0]]]) {
      ok(await t.gql(key, UPSERT_CUSTOMERS, { s: store, c: [{ id: ANNA.id, email: ANNA.email, name: 'Anna Jensen' }, { id: BO.id, email: BO.email, name: 'Bo' }] }));
      ok(await t.gql(key, TRACK_EVENTS, { s: store, e: [{ visitorId: ANNA.visitor, customerId: ANNA.id, type: 'PAGE_VIEW', url: 'https://shop/a' }, { visitorId: BO.visitor, customerId: BO.id, type: 'PAGE_VIEW', url: 'https://shop/b' }] }));
    }
    const created = ok(await t.gql(a.key, 'mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ, PERSONAL_DATA_READ], name:"  Support desk ") { id secret name } }', { c: a.companyId })).createApiKey;
    expect(created.name).toBe('Support desk');
    reader = created.secret;
    readerId = created.id;
    // Anna's profile by customer ID (the response carries her e-mail, not her visitor ID), Bo's by e-mail.
    ok(await t.gql(reader, 'query AnnaProfile($s:ID!){ customer(storeId:$s, idOrEmail:"anna-1"){ email crm { city } } }', { s }));
    ok(await t.gql(reader, 'query BoProfile($s:ID!){ customer(storeId:$s, idOrEmail:"bo@example.dk"){ name visitors { id } } }', { s }));
    ok(await t.gql(reader, 'query AnnaElsewhere($s:ID!){ customer(storeId:$s, idOrEmail:"anna-1"){ email } }', { s: a.storeIds[1] }));
    ok(await t.gql(b.key, 'query OtherCompany($s:ID!){ customer(storeId:$s, idOrEmail:"anna-1"){ email } }', { s: b.storeIds[0] }));
  });
  afterAll(() => t?.close());

  it('finds a profile read by the person\'s e-mail, customer ID and visitor ID, in every store, and none of another person\'s', async () => {
    for (const subject of [ANNA.email, ANNA.canonical, `  ${ANNA.canonical.toUpperCase()} `, ANNA.id, ANNA.visitor]) {
      expect([subject, (await ops(a.key, { subject })).sort()]).toEqual([subject, ['AnnaElsewhere', 'AnnaProfile']]);
      expect([subject, await ops(a.key, { subject, s })]).toEqual([subject, ['AnnaProfile']]);
    }
    for (const subject of [BO.email, BO.id, BO.visitor]) expect([subject, await ops(a.key, { subject })]).toEqual([subject, ['BoProfile']]);
    expect(await ops(a.key, { subject: 'nobody@example.dk' })).toEqual([]);
    // The other company holds the same customer ID: its read is its own, and A's are not its.
    expect(await ops(b.key, { subject: ANNA.id })).toEqual(['OtherCompany']);
  });

  it('finds an entry written with a person\'s footprint by each identifier, in that store only', async () => {
    const ctx = await t.gateway.contextFor(a.key);
    const footprint = { emails: ['cleo@example.dk'], customerIds: ['cleo-3', 'cleo@legacy.id'], visitorIds: ['vc-1', 'vc-2'] };
    await t.gateway.services.audit.record(ctx, [{ operation: 'forgetCustomer', storeId: s, companyId: a.companyId, records: 7, subjects: footprint }]);
    for (const subject of ['cleo@example.dk', 'CLEO@example.DK', 'cleo-3', 'cleo@legacy.id', 'vc-1', 'vc-2']) {
      expect([subject, await ops(a.key, { subject })]).toEqual([subject, ['forgetCustomer']]);
    }
    expect(await ops(a.key, { subject: 'cleo-3', s: a.storeIds[1] })).toEqual([]);
  });

  it('finds the person\'s report and forget by every identifier, after their data is gone', async () => {
    ok(await t.gql(a.key, 'query AnnaReport($s:ID!){ privacyReport(idOrEmail:"anna.jensen@example.dk", storeId:$s){ generatedAt } }', { s }));
    ok(await t.gql(a.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"anna.jensen@example.dk", storeId:$s){ requests { status } } }', { s }));
    for (const subject of [ANNA.canonical, ANNA.id, ANNA.visitor]) {
      expect([subject, await ops(a.key, { subject, s })]).toEqual([subject, ['forgetCustomer', 'privacyReport', 'AnnaProfile']]);
    }
  });

  it('combines the subject with the other filters and counts what matches', async () => {
    const all = await log(a.key, { subject: ANNA.id });
    expect(all.totalCount).toBe(all.edges.length);
    expect((await log(a.key, { subject: ANNA.id, op: 'AnnaProfile' })).totalCount).toBe(1);
    expect((await log(a.key, { subject: ANNA.id, op: 'BoProfile' })).totalCount).toBe(0);
    expect((await log(a.key, { subject: ANNA.id, from: '2999-01-01T00:00:00Z' })).totalCount).toBe(0);
    expect((await log(a.key, { subject: ANNA.id, to: '2000-01-01T00:00:00Z' })).totalCount).toBe(0);
    expect((await log(a.key, { subject: ANNA.id, from: '2000-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z', s })).totalCount).toBe(all.edges.filter((e) => e.node.storeId === s).length);
    // Pages with the subject: one entry at a time, every entry once, newest first.
    const walked: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: { edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = await log(a.key, { subject: ANNA.id, first: 1, after });
      walked.push(...page.edges.map((e) => e.node.operation));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(all.edges.map((e) => e.node.operation));
  });

  it('refuses malformed filters, naming the rule and never the value', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ subject: 'two words' }, /`subject`/],
      [{ subject: '' }, /`subject`/],
      [{ subject: `x${'y'.repeat(400)}@example.dk` }, /`subject`/],
      [{ op: 'o'.repeat(65) }, /`operation`.*64/],
      [{ op: 'DROP TABLE x; --' }, /`operation`/],
      [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, /`from`/],
    ];
    for (const [vars, message] of bad) {
      const r = await t.gql(a.key, LOG, vars);
      expect([vars, codes(r)]).toEqual([vars, ['BAD_USER_INPUT']]);
      expect(r.errors![0].message).toMatch(message);
      for (const v of Object.values(vars)) if (String(v).length > 3) expect(r.errors![0].message).not.toContain(String(v));
    }
    expect(codes(await t.gql(a.key, LOG, { subject: ANNA.id, s: b.storeIds[0] }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(a.key, LOG, { subject: ANNA.id, s: '00000000-0000-0000-0000-000000000000' }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(reader, LOG, { subject: ANNA.id }))).toEqual(['FORBIDDEN']);
  });

  it('names the key of each entry, looked up once per page', async () => {
    const entries = (await log(a.key, { subject: ANNA.id, s })).edges.map((e) => e.node);
    expect(entries.find((e) => e.operation === 'AnnaProfile')).toEqual({ operation: 'AnnaProfile', storeId: s, apiKeyId: readerId, apiKeyName: 'Support desk', records: 1, detail: null });
    const keys = ok(await t.gql(a.key, '{ apiKeys { id name } }')).apiKeys as { id: string; name: string | null }[];
    expect(keys.find((k) => k.id === readerId)).toEqual({ id: readerId, name: 'Support desk' });
    expect(keys.filter((k) => k.id !== readerId).every((k) => k.name === null)).toBe(true);
    for (const name of ['', '   ', 'n'.repeat(101), 'tab\there']) {
      const r = await t.gql(a.key, 'mutation($c:ID!,$n:String){ createApiKey(companyId:$c, scopes:[AUDIT_READ], name:$n){ id } }', { c: a.companyId, n: name });
      expect([name, codes(r)]).toEqual([name, ['BAD_USER_INPUT']]);
      expect(r.errors![0].message).toMatch(/`name`.*100/);
    }
    const longest = ok(await t.gql(a.key, 'mutation($c:ID!,$n:String){ createApiKey(companyId:$c, scopes:[AUDIT_READ], name:$n){ name } }', { c: a.companyId, n: 'n'.repeat(100) }));
    expect(longest.createApiKey.name).toBe('n'.repeat(100));
    // Many keys, many entries: the statements for a page do not grow with it.
    for (let i = 0; i < 6; i++) {
      const k = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'PERSONAL_DATA_READ']);
      ok(await t.gql(k, 'query Many($s:ID!){ customer(storeId:$s, idOrEmail:"bo-2"){ email } }', { s }));
    }
    const statements = async (first: number) => {
      await t.gateway.services.apiKeys.lastTouch; // the last key's lastUsedAt refresh, off the response path
      t.gateway.services.observer.reset();
      const page = await log(a.key, { first, op: 'Many' });
      return { n: page.edges.length, catalog: t.gateway.services.observer.total((db) => db === 'catalog') };
    };
    await log(a.key, { first: 1, op: 'Many' }); // the keys just created moved the catalog version: cached rows are read again once
    const small = await statements(2);
    const large = await statements(6);
    expect([small.n, large.n]).toEqual([2, 6]);
    expect(large.catalog).toBe(small.catalog);
  });

  it('says which store settings an update changed, by name and without values', async () => {
    const store = a.storeIds[1];
    const UPDATE = 'mutation($s:ID!,$set:StoreSettingsInput!){ updateStoreSettings(storeId:$s, settings:$set){ id } }';
    ok(await t.gql(a.key, UPDATE, { s: store, set: { collectEmails: false, products: ['search', 'email'], retentionMaxMonths: 6, trackClicks: true } }));
    ok(await t.gql(a.key, UPDATE, { s: store, set: { collectEmails: false, products: ['email', 'search'] } }));
    const entries = (await log(a.key, { s: store, op: 'updateStoreSettings' })).edges.map((e) => e.node.detail);
    expect(entries).toEqual(['no setting changed', 'settings changed: collectEmails, products, retentionMaxMonths']);
  });
});

describe.each(ENGINES)('audit trail upgrade [%s]', (engine) => {
  it('gives every existing entry its own key and keeps it findable by its subject hash', async () => {
    const logger = new QueryObserver().loggerFor('upgrade', createLogger('silent'));
    const tag = randomBytes(4).toString('hex');
    const dir = mkdtempSync(join(tmpdir(), `pgw-upgrade-${tag}-`));
    const db = `pgwt_upgrade_${tag}`;
    let options: DataSourceOptions;
    if (engine === 'mysql') {
      await asMysqlAdmin((c) => c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
      const server = parseMysqlUrl(MYSQL_TEST_URL);
      const [{ v }] = (await asMysqlAdmin((c) => c.query('SELECT VERSION() AS v')))[0] as { v: string }[];
      options = mysqlOptions({ ...server, flavor: /mariadb/i.test(v) ? 'mariadb' : 'mysql' }, db, 'catalog', 1, 5000, logger);
    } else {
      options = sqliteOptions(join(dir, 'catalog.sqlite'), 'catalog', logger);
    }
    const upTo = CATALOG_MIGRATIONS.indexOf(AuditSubjectsAndKeyNames1796135386282);
    const before = new DataSource({ ...options, migrations: CATALOG_MIGRATIONS.slice(0, upTo) } as DataSourceOptions);
    try {
      await before.initialize();
      await before.runMigrations({ transaction: 'each' });
      const q = (n: string) => (engine === 'mysql' ? `\`${n}\`` : `"${n}"`);
      for (const [i, hash] of [['1', 'a'.repeat(64)], ['2', null], ['3', 'b'.repeat(64)]]) {
        await before.query(
          `INSERT INTO ${q('audit_log')} (${['at', 'companyId', 'apiKeyId', 'operation', 'storeId', 'subjectHash', 'records'].map(q).join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [`2026-01-0${i} 00:00:00.000`, 'c', 'k', `Old${i}`, 's', hash, 1],
        );
      }
      await before.destroy();
      const after = new DataSource(options);
      await after.initialize();
      try {
        await after.runMigrations({ transaction: 'each' });
        expect((await after.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
        const rows: { operation: string; entryKey: string; subjectHash: string | null }[] = await after.query(`SELECT ${['operation', 'entryKey', 'subjectHash'].map(q).join(', ')} FROM ${q('audit_log')} ORDER BY ${q('id')}`);
        expect(rows.map((r) => r.operation)).toEqual(['Old1', 'Old2', 'Old3']);
        expect(new Set(rows.map((r) => r.entryKey)).size).toBe(3);
        expect(rows.every((r) => /^[0-9a-f-]{32,36}$/.test(r.entryKey))).toBe(true);
        const subjects: { hash: string; entryKey: string }[] = await after.query(`SELECT ${q('hash')}, ${q('entryKey')} FROM ${q('audit_subjects')} ORDER BY ${q('hash')}`);
        expect(subjects).toEqual([
          { hash: 'a'.repeat(64), entryKey: rows[0].entryKey },
          { hash: 'b'.repeat(64), entryKey: rows[2].entryKey },
        ]);
      } finally {
        await after.destroy();
      }
    } finally {
      if (before.isInitialized) await before.destroy();
      if (engine === 'mysql') await asMysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS \`${db}\``));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
