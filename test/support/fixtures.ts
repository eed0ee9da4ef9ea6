import { ok, TestGateway } from './gateway';

export const ALL = ['PROFILES_READ', 'PERSONAL_DATA_READ', 'FORGET', 'INGEST', 'SETTINGS_WRITE', 'KEYS_ADMIN', 'AUDIT_READ'];

export interface Tenant {
  companyId: string;
  storeIds: string[];
  /** A key of this company with every scope. */
  key: string;
}

/** A company with `stores` stores (e-mail collection on unless told) and an all-scope key. */
export async function createTenant(t: TestGateway, name: string, stores = 1, collectEmails = true): Promise<Tenant> {
  const { createCompany } = ok(await t.gql<{ createCompany: { id: string } }>(t.adminKey, 'mutation($n:String!){ createCompany(name:$n){ id } }', { n: name }));
  const storeIds: string[] = [];
  for (let i = 0; i < stores; i++) {
    const r = ok(
      await t.gql<{ createStore: { id: string } }>(
        t.adminKey,
        'mutation($c:ID!,$n:String!,$e:Boolean){ createStore(companyId:$c, name:$n, settings:{collectEmails:$e}){ id } }',
        { c: createCompany.id, n: `${name} store ${i + 1}`, e: collectEmails },
      ),
    );
    storeIds.push(r.createStore.id);
  }
  const key = await createKey(t, t.adminKey, createCompany.id, ALL);
  return { companyId: createCompany.id, storeIds, key };
}

export async function createKey(t: TestGateway, creator: string, companyId: string, scopes: string[], storeIds?: string[]): Promise<string> {
  const r = ok(
    await t.gql<{ createApiKey: { secret: string } }>(
      creator,
      'mutation($c:ID!,$s:[Scope!]!,$st:[ID!]){ createApiKey(companyId:$c, scopes:$s, storeIds:$st){ secret } }',
      { c: companyId, s: scopes, st: storeIds ?? null },
    ),
  );
  return r.createApiKey.secret;
}

export const UPSERT_CUSTOMERS = 'mutation($s:ID!,$c:[CustomerInput!]!){ upsertCustomers(storeId:$s, customers:$c){ accepted suppressed emailsDropped } }';
export const TRACK_EVENTS = 'mutation($s:ID!,$e:[EventInput!]!){ trackEvents(storeId:$s, events:$e){ accepted suppressed emailsDropped } }';
export const UPSERT_ORDERS = 'mutation($s:ID!,$o:[OrderInput!]!){ upsertOrders(storeId:$s, orders:$o){ accepted suppressed emailsDropped } }';
