import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant } from '../support/fixtures';

const KEYS = '{ apiKeys { id storeIds scopes } }';
const VIEWER = '{ viewer { apiKeyId } }';
const REVOKE = 'mutation($id:ID!){ revokeApiKey(id:$id){ id } }';

describe.each(ENGINES)('a KEYS_ADMIN key narrowed to stores [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  const idOf = async (secret: string): Promise<string> => ok(await t.gql(secret, VIEWER)).viewer.apiKeyId;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Narrow', 3);
  });
  afterAll(() => t?.close());

  it('sees and revokes only keys narrowed within its stores and scopes; any other key is NOT_FOUND', async () => {
    const [s1, s2, s3] = a.storeIds;
    const admin = await createKey(t, a.key, a.companyId, ['KEYS_ADMIN', 'PROFILES_READ'], [s1, s2]);
    const within = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s1]);
    const withinBoth = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'KEYS_ADMIN'], [s1, s2]);
    const otherStore = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s3]);
    const straddling = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s2, s3]);
    const companyWide = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    const moreScopes = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'FORGET'], [s1]);
    const ids = {
      admin: await idOf(admin),
      within: await idOf(within),
      withinBoth: await idOf(withinBoth),
      otherStore: await idOf(otherStore),
      straddling: await idOf(straddling),
      companyWide: await idOf(companyWide),
      moreScopes: await idOf(moreScopes),
      owner: await idOf(a.key),
    };

    const seen = ok(await t.gql(admin, KEYS)).apiKeys as { id: string; storeIds: string[] | null }[];
    expect(seen.map((k) => k.id).sort()).toEqual([ids.admin, ids.within, ids.withinBoth].sort());
    // No other store's ID is revealed through the list.
    expect(JSON.stringify(seen)).not.toContain(s3);

    const missing = await t.gql(admin, REVOKE, { id: '00000000-0000-0000-0000-000000000000' });
    for (const name of ['otherStore', 'straddling', 'companyWide', 'moreScopes', 'owner'] as const) {
      const r = await t.gql(admin, REVOKE, { id: ids[name] });
      expect([name, r.errors]).toEqual([name, missing.errors]);
    }
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    // None of them was revoked.
    for (const secret of [otherStore, straddling, companyWide, moreScopes, a.key]) ok(await t.gql(secret, VIEWER));

    expect(ok(await t.gql(admin, REVOKE, { id: ids.within })).revokeApiKey.id).toBe(ids.within);
    expect(codes(await t.gql(within, VIEWER))).toEqual(['UNAUTHENTICATED']);
  });

  it('creates only keys narrowed to a subset of its stores, with scopes it holds', async () => {
    const [s1, s2, s3] = a.storeIds;
    const admin = await createKey(t, a.key, a.companyId, ['KEYS_ADMIN', 'PROFILES_READ'], [s1, s2]);
    const q = 'mutation($c:ID!,$s:[Scope!]!,$st:[ID!]){ createApiKey(companyId:$c, scopes:$s, storeIds:$st){ storeIds scopes } }';
    expect(ok(await t.gql(admin, q, { c: a.companyId, s: ['PROFILES_READ'], st: [s2] })).createApiKey).toEqual({ storeIds: [s2], scopes: ['PROFILES_READ'] });
    expect(codes(await t.gql(admin, q, { c: a.companyId, s: ['PROFILES_READ'], st: [s1, s3] }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(admin, q, { c: a.companyId, s: ['PROFILES_READ'], st: null }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(admin, q, { c: a.companyId, s: ['FORGET'], st: [s1] }))).toEqual(['FORBIDDEN']);
  });

  it('lets a company-wide KEYS_ADMIN key see every key of the company but none holding a scope it lacks', async () => {
    const admin = await createKey(t, a.key, a.companyId, ['KEYS_ADMIN', 'PROFILES_READ']);
    const forgetter = await createKey(t, a.key, a.companyId, ['FORGET'], [a.storeIds[2]]);
    const reader = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [a.storeIds[2]]);
    const seen = (ok(await t.gql(admin, KEYS)).apiKeys as { id: string }[]).map((k) => k.id);
    expect(seen).toContain(await idOf(reader));
    expect(seen).not.toContain(await idOf(forgetter));
    expect(codes(await t.gql(admin, REVOKE, { id: await idOf(forgetter) }))).toEqual(['NOT_FOUND']);
    ok(await t.gql(forgetter, VIEWER));
  });
});
