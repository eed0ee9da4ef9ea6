import type { EntityManager } from 'typeorm';
import { operatorPrincipal } from '../../src/auth/principal';
import { catalogOf } from '../support/internals';
import { ApiKeyEntity, AuditEntryEntity, AuditSubjectEntity, StoreEntity } from '../../src/entities/catalog';
import { catalogCache } from '../../src/tenancy/catalog-cache';
import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { anotherInstance, Instance } from '../support/instances';

const LOOKUP = 'query Lookup($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email } }';
const SETTINGS = 'query($s:ID!){ store(id:$s){ settings { collectCrm } } }';
const READ = ['PROFILES_READ', 'PERSONAL_DATA_READ'];

/**
 * Instance B keeps API-key and store rows across requests (src/tenancy/catalog-cache.ts); every
 * change made through instance A, or straight in the catalog, takes effect on B's very next
 * request. Each case first makes B hold the row, then changes it elsewhere.
 */
describe.each(ENGINES)('catalog rows cached per instance [%s]', (engine) => {
  let t: TestGateway;
  let b: Instance;
  let a: Tenant;
  let s1: string;
  let s2: string;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    b = await anotherInstance(t);
    a = await createTenant(t, 'Cached', 2);
    [s1, s2] = a.storeIds;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s1, c: [{ id: 'ann', email: 'ann@example.com' }] }));
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s2, c: [{ id: 'bea', email: 'bea@example.com' }] }));
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('refuses a key revoked through another instance on the next request', async () => {
    const key = await createKey(t, a.key, a.companyId, READ);
    for (let i = 0; i < 2; i++) expect(ok(await b.gql(key, LOOKUP, { s: s1, q: 'ann' })).customer.id).toBe('ann');
    const [{ id }] = await catalogOf(t.gateway.services).getRepository(ApiKeyEntity).find({ order: { createdAt: 'DESC' }, take: 1 });
    ok(await t.gql(a.key, 'mutation($id:ID!){ revokeApiKey(id:$id){ id } }', { id }));
    expect(codes(await b.gql(key, LOOKUP, { s: s1, q: 'ann' }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await t.gql(key, LOOKUP, { s: s1, q: 'ann' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('follows a key narrowed or stripped of a scope in the catalog (no API does it: an operator\'s SQL) on the next request', async () => {
    const key = await createKey(t, a.key, a.companyId, READ);
    const keys = catalogOf(t.gateway.services).getRepository(ApiKeyEntity);
    const [{ id }] = await keys.find({ order: { createdAt: 'DESC' }, take: 1 });
    expect(ok(await b.gql(key, LOOKUP, { s: s2, q: 'bea' })).customer.id).toBe('bea');
    await keys.update({ id }, { storeIds: [s1] });
    expect(codes(await b.gql(key, LOOKUP, { s: s2, q: 'bea' }))).toEqual(['NOT_FOUND']);
    expect(ok(await b.gql(key, LOOKUP, { s: s1, q: 'ann' })).customer.id).toBe('ann');
    await keys.update({ id }, { scopes: ['PERSONAL_DATA_READ'] });
    expect(codes(await b.gql(key, LOOKUP, { s: s1, q: 'ann' }))).toEqual(['FORBIDDEN']);
  });

  it('does not count a lastUsedAt refresh as a change', async () => {
    const key = await createKey(t, a.key, a.companyId, READ);
    const version = async () => (await catalogOf(t.gateway.services).query('SELECT version FROM catalog_version WHERE id = 1'))[0].version;
    ok(await b.gql(key, LOOKUP, { s: s1, q: 'ann' })); // the first use sets lastUsedAt
    await b.gateway.services.apiKeys.lastTouch;
    const before = await version();
    const keys = catalogOf(t.gateway.services).getRepository(ApiKeyEntity);
    const [{ id, lastUsedAt }] = await keys.find({ order: { createdAt: 'DESC' }, take: 1 });
    expect(lastUsedAt).not.toBeNull();
    await keys.update({ id }, { lastUsedAt: new Date() });
    expect(await version()).toBe(before);
    await keys.update({ id }, { name: 'Renamed' });
    expect(Number(await version())).toBe(Number(before) + 1);
  });

  it('follows store settings changed through another instance on the next request', async () => {
    expect(ok(await b.gql(a.key, SETTINGS, { s: s1 })).store.settings.collectCrm).toBe(true);
    ok(await t.gql(a.key, 'mutation($s:ID!){ updateStoreSettings(storeId:$s, settings:{collectCrm:false}){ id } }', { s: s1 }));
    expect(ok(await b.gql(a.key, SETTINGS, { s: s1 })).store.settings.collectCrm).toBe(false);
    ok(await t.gql(a.key, 'mutation($s:ID!){ updateStoreSettings(storeId:$s, settings:{collectCrm:true}){ id } }', { s: s1 }));
  });

  it('reads its own writes at once, in a transaction too, even within a request\'s version reading', async () => {
    const tenancy = t.gateway.services.tenancy;
    const name = async () => (await tenancy.storesByIds([s1]))[0]!.name;
    const before = await name();
    await name(); // kept now
    await catalogOf(t.gateway.services).getRepository(StoreEntity).update({ id: s1 }, { name: 'Renamed once' });
    expect(await name()).toBe('Renamed once');
    await tenancy.catalogTransaction({ principal: operatorPrincipal('test') }, async (em: EntityManager) => {
      await em.getRepository(StoreEntity).update({ id: s1 }, { name: 'Renamed twice' });
      await name(); // read before the commit: the old name, and it must not stay
    });
    expect(await name()).toBe('Renamed twice');
    // Rolled back: on SQLite (one connection) the read inside saw the new name; it must not stay.
    await expect(
      tenancy.catalogTransaction({ principal: operatorPrincipal('test') }, async (em: EntityManager) => {
        await em.getRepository(StoreEntity).update({ id: s1 }, { name: 'Never' });
        await name();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await name()).toBe('Renamed twice');
    await catalogOf(t.gateway.services).getRepository(StoreEntity).update({ id: s1 }, { name: before });
  });

  it('follows a store moved to another database on the next request', async () => {
    // As a move leaves it: the catalog row names another database (here: the second store's).
    const stores = catalogOf(t.gateway.services).getRepository(StoreEntity);
    const one = await stores.findOneByOrFail({ id: s1 });
    const two = await stores.findOneByOrFail({ id: s2 });
    expect(ok(await b.gql(a.key, LOOKUP, { s: s1, q: 'ann' })).customer.id).toBe('ann');
    await stores.update({ id: s1 }, { databaseName: two.databaseName });
    try {
      const moved = ok(await b.gql(a.key, LOOKUP, { s: s1, q: 'bea' }));
      expect(moved.customer.id).toBe('bea');
      expect(ok(await b.gql(a.key, LOOKUP, { s: s1, q: 'ann' })).customer).toBeNull();
    } finally {
      await stores.update({ id: s1 }, { databaseName: one.databaseName });
    }
    expect(ok(await b.gql(a.key, LOOKUP, { s: s1, q: 'ann' })).customer.id).toBe('ann');
  });

  it('costs at most 2 catalog statements per read in steady state, the audit entry and its subjects written', async () => {
    const g = b.gateway.services;
    for (let i = 0; i < 2; i++) ok(await b.gql(a.key, LOOKUP, { s: s2, q: 'bea@example.com' }));
    await g.apiKeys.lastTouch;
    g.observer.reset();
    expect(ok(await b.gql(a.key, LOOKUP, { s: s2, q: 'bea@example.com' })).customer.id).toBe('bea');
    // The catalog version, then the audit entry with its subject hashes in the same INSERT.
    expect(g.observer.total((db) => db === 'catalog')).toBeLessThanOrEqual(2);
    const catalog = catalogOf(t.gateway.services);
    const [entry] = await catalog.getRepository(AuditEntryEntity).find({ where: { storeId: s2, operation: 'Lookup' }, order: { id: 'DESC' }, take: 1 });
    const subjects = await catalog.getRepository(AuditSubjectEntity).findBy({ entryKey: entry.entryKey });
    const hasher = t.gateway.services.hasher;
    expect(subjects.map((x) => x.hash).sort()).toEqual([hasher.hash(s2, 'customer', 'bea'), hasher.hash(s2, 'email', 'bea@example.com')].sort());
    // The list is moved, not kept.
    const raw = await catalog.query('SELECT subjectList FROM audit_log WHERE entryKey = ?', [entry.entryKey]);
    expect(raw).toEqual([{ subjectList: null }]);
    // And the trail finds the person by any identifier.
    const found = ok(await t.gql(a.key, 'query($q:String!,$s:ID){ auditLog(subject:$q, storeId:$s, operation:"Lookup"){ totalCount } }', { q: 'bea', s: s2 }));
    expect(found.auditLog.totalCount).toBeGreaterThanOrEqual(3);
  });

  it('shares one version reading among the requests that arrive while another is under way, never the one under way', async () => {
    const cache = catalogCache(catalogOf(b.gateway.services));
    b.gateway.services.observer.reset();
    const first = cache.check();
    // Arrived while the first reading runs: it may have begun before a change they must see.
    await Promise.all([first, cache.check(), cache.check(), cache.check()]);
    expect(b.gateway.services.observer.total((db) => db === 'catalog')).toBe(2);
    await Promise.all([cache.check(), cache.check()]);
    expect(b.gateway.services.observer.total((db) => db === 'catalog')).toBe(4);
  });

  it('refuses a store deleted through another instance on the next request', async () => {
    expect(ok(await b.gql(a.key, LOOKUP, { s: s2, q: 'bea' })).customer.id).toBe('bea');
    ok(await t.gql(a.key, 'mutation($s:ID!,$n:String!){ deleteStore(storeId:$s, confirmName:$n){ storeId } }', { s: s2, n: 'Cached store 2' }));
    expect(codes(await b.gql(a.key, LOOKUP, { s: s2, q: 'bea' }))).toEqual(['NOT_FOUND']);
    expect(ok(await b.gql(a.key, LOOKUP, { s: s1, q: 'ann' })).customer.id).toBe('ann');
  });
});
