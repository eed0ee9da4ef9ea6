import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, type Services } from '../../context';
import { ApiKeyEntity, CompanyEntity, StoreEntity } from '../../entities/catalog';
import { ALL_SCOPES } from '../../auth/scope';
import { operatorPrincipal } from '../../auth/principal';
import { hashSecret, newSecret } from '../auth/secrets';
import { CATALOGUE, CITIES, FIRST_NAMES, LAST_NAMES, mulberry32 } from './demo-data';

export const DEMO_CUSTOMERS_PER_STORE = 300;
/** Days of anonymous guest traffic (visits and orders) behind the analysts' charts. */
export const DEMO_HISTORY_DAYS = 365;
const GUEST_VISITS_PER_DAY = 6;
const DAY = 86_400_000;

/** Where the demo key is kept in embedded mode, so it can be printed (and pre-filled) on every start. */
export const demoKeyFile = (dataDir: string) => join(dataDir, 'demo-key.txt');

export function readDemoKey(dataDir: string): string | null {
  const f = demoKeyFile(dataDir);
  return existsSync(f) ? readFileSync(f, 'utf8').trim() || null : null;
}

const DEMO = operatorPrincipal('demo-seed');

/** The oldest store (the demo's first), for the playground's example queries. */
export async function firstStoreId(services: Services): Promise<string | null> {
  const first = await services.tenancy.operatorCatalog({ principal: DEMO }).getRepository(StoreEntity).find({ order: { createdAt: 'ASC' }, take: 1 });
  return first[0]?.id ?? null;
}

/**
 * On an empty embedded catalog: a demo company with two stores, a few hundred customers
 * each with visits, clicks and orders, and an all-scope key for it. Deterministic.
 */
export async function seedDemo(services: Services, now = new Date()): Promise<{ key: string; storeIds: string[] } | null> {
  const ctx = createContext(services, DEMO);
  const catalog = services.tenancy.operatorCatalog(ctx);
  if ((await catalog.getRepository(CompanyEntity).count()) > 0) return null;
  const company = await services.companies.create(ctx, 'Nordic Outdoor ApS');
  const stores: StoreEntity[] = [];
  for (const [i, name] of ['Nordic Outdoor DK', 'Nordic Outdoor SE'].entries()) {
    const store = await services.stores.create(ctx, company.id, name, { collectEmails: true, products: i === 0 ? ['recommendations', 'search', 'email'] : ['recommendations', 'search'] });
    stores.push(store);
    await fillStore(services, ctx, store, i + 1, now);
  }
  const secret = newSecret();
  await catalog.getRepository(ApiKeyEntity).save({
    id: randomUUID(), name: 'Demo key', companyId: company.id, storeIds: null, scopes: ALL_SCOPES, operator: false,
    secretHash: hashSecret(secret), createdByKeyId: null, createdAt: now, lastUsedAt: null, revokedAt: null,
  });
  writeFileSync(demoKeyFile(services.config.dataDir), secret + '\n', { mode: 0o600 });
  return { key: secret, storeIds: stores.map((s) => s.id) };
}

async function fillStore(services: Services, ctx: Parameters<Services['ingestion']['upsertCustomers']>[0], store: StoreEntity, seed: number, now: Date) {
  const rnd = mulberry32(seed * 7919);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const products = CATALOGUE.flatMap((c, ci) => c.items.map((name, ii) => ({ id: `P${ci + 1}${String(ii + 1).padStart(2, '0')}`, name, category: c.category })));
  await services.products.upsertProducts(ctx, store.id, products);
  const domain = seed === 1 ? 'example.dk' : 'example.se';
  const customers = Array.from({ length: DEMO_CUSTOMERS_PER_STORE }, (_, i) => {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    return {
      id: `C${seed}${String(i + 1).padStart(4, '0')}`,
      // The first customer has a fixed address, so the README's first query works.
      email: i === 0 ? `anna.jensen@${domain}` : `${first}.${last}${i}@${domain}`.toLowerCase(),
      name: i === 0 ? 'Anna Jensen' : `${first} ${last}`,
      age: 18 + Math.floor(rnd() * 60),
      gender: rnd() < 0.5 ? 'female' : 'male',
      city: pick(CITIES),
      attributes: { loyaltyTier: pick(['bronze', 'silver', 'gold']) },
    };
  });
  await services.ingestion.upsertCustomers(ctx, store.id, customers);
  const events: Record<string, unknown>[] = [];
  const orders: Record<string, unknown>[] = [];
  customers.forEach((c, i) => {
    const visitorId = `V${seed}${String(i + 1).padStart(4, '0')}`;
    const visits = 1 + Math.floor(rnd() * 6);
    for (let v = 0; v < visits; v++) {
      // Anna, the README's first profile, visits within the last month: the retention purge
      // (due about a minute after the first start) keeps at least a month, so her visit log stays.
      const daysAgo = Math.floor(rnd() * 300);
      const start = now.getTime() - (i === 0 ? daysAgo % 25 : daysAgo) * DAY - Math.floor(rnd() * DAY);
      const p = pick(products);
      events.push({ visitorId, customerId: c.id, email: c.email, type: 'PAGE_VIEW', url: `https://shop.${domain}/p/${p.id}`, productId: p.id, occurredAt: new Date(start), durationSeconds: 20 + Math.floor(rnd() * 240) });
      events.push({ visitorId, customerId: c.id, type: 'CONTENT_VIEW', url: `https://shop.${domain}/p/${p.id}`, contentId: 'recs-similar', occurredAt: new Date(start + 5_000) });
      if (rnd() < 0.6) {
        const q = pick(products);
        events.push({ visitorId, customerId: c.id, type: 'CLICK', url: `https://shop.${domain}/p/${q.id}`, productId: q.id, contentId: 'recs-similar', occurredAt: new Date(start + 20_000) });
      }
    }
    const nOrders = i === 0 ? 3 : Math.floor(rnd() * 4);
    for (let o = 0; o < nOrders; o++) {
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ productId: pick(products).id, quantity: 1 + Math.floor(rnd() * 2), unitPrice: 49 + Math.floor(rnd() * 150) * 10 }));
      orders.push({ id: `O${seed}${String(i + 1).padStart(4, '0')}${o}`, customerId: c.id, email: c.email, visitorId, createdAt: new Date(now.getTime() - Math.floor(rnd() * 360) * DAY), currency: seed === 1 ? 'DKK' : 'SEK', lines });
    }
  });
  guestTraffic(rnd, products, seed, domain, now, events, orders);
  for (let i = 0; i < events.length; i += 1000) await services.ingestion.trackEvents(ctx, store.id, events.slice(i, i + 1000));
  for (let i = 0; i < orders.length; i += 1000) await services.ingestion.upsertOrders(ctx, store.id, orders.slice(i, i + 1000));
}

/**
 * A year of anonymous shoppers (no customer, no e-mail): a visit with a page view and, for most,
 * an order, a few a day with a summer and a December peak and busier weekends, so the analysts'
 * chart has a shape to show.
 */
function guestTraffic(
  rnd: () => number,
  products: { id: string }[],
  seed: number,
  domain: string,
  now: Date,
  events: Record<string, unknown>[],
  orders: Record<string, unknown>[],
) {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  let n = 0;
  for (let d = 0; d < DEMO_HISTORY_DAYS; d++) {
    const day = new Date(now.getTime() - d * DAY);
    const month = day.getUTCMonth();
    const season = 1 + 0.8 * Math.exp(-(((month - 6) / 1.6) ** 2)) + (month === 11 ? 0.9 : 0);
    const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6 ? 1.4 : 1;
    const visits = Math.round(GUEST_VISITS_PER_DAY * season * weekend * (0.6 + 0.8 * rnd()));
    for (let v = 0; v < visits; v++) {
      n++;
      const visitorId = `G${seed}${String(n).padStart(6, '0')}`;
      const at = now.getTime() - d * DAY - Math.floor(rnd() * DAY);
      const p = pick(products);
      events.push({ visitorId, type: 'PAGE_VIEW', url: `https://shop.${domain}/p/${p.id}`, productId: p.id, occurredAt: new Date(at), durationSeconds: 10 + Math.floor(rnd() * 200) });
      if (rnd() < 0.55) {
        const lines = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => ({ productId: pick(products).id, quantity: 1 + Math.floor(rnd() * 2), unitPrice: 49.95 + Math.floor(rnd() * 150) * 10 }));
        orders.push({ id: `GO${seed}${String(n).padStart(6, '0')}`, visitorId, createdAt: new Date(at + 60_000 > now.getTime() ? at : at + 60_000), currency: seed === 1 ? 'DKK' : 'SEK', lines });
      }
    }
  }
}
