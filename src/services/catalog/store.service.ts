import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { CompanyEntity, StoreEntity } from '../../entities/catalog';
import { BadUserInputError, NotFoundError } from '../../errors';
import { FIRST_GENERATION } from '../../tenancy/store-credentials';
import { storeServerNames } from '../../tenancy/store-servers';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import type { AuditContext, AuditService } from '../audit/audit.service';
import { lockSubjects } from '../../tenancy/store-lock';
import type { WebhookService } from '../webhooks/webhook.service';

/** A change to a store's settings: omitted (undefined or null) fields keep their value. The GraphQL input implements it. */
export interface StoreSettingsChange {
  collectEmails?: boolean | null;
  trackPageViews?: boolean | null;
  trackContentViews?: boolean | null;
  trackClicks?: boolean | null;
  collectCrm?: boolean | null;
  products?: string[] | null;
  retentionMinMonths?: number | null;
  retentionMaxMonths?: number | null;
  /** Where the store's webhooks go; null (or empty) removes it. Checked: https, public addresses only. */
  webhookUrl?: string | null;
  shopifyDomain?: string | null;
}

/** A Shopify shop's permanent host: `<name>.myshopify.com`, lower case. */
const SHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$/;

/** The `shopifyDomain` setting checked: null clears it (an empty string), undefined leaves it. */
export function parseShopifyDomain(raw: string | null | undefined): string | null | undefined {
  if (raw === undefined || raw === null) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === '') return null;
  if (!SHOPIFY_DOMAIN.test(v)) throw new BadUserInputError('`settings.shopifyDomain` must be a shop\'s <name>.myshopify.com host');
  return v;
}

const SWITCHES = ['collectEmails', 'trackPageViews', 'trackContentViews', 'trackClicks', 'collectCrm'] as const;

/** Products every store uses; they decide which sub-processors touch the data. */
export const DEFAULT_PRODUCTS = ['recommendations', 'search'];
export const KNOWN_PRODUCTS = ['recommendations', 'search', 'email', 'audience', 'chat'];

export class StoreService {
  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly webhooks?: WebhookService,
  ) {}

  /** A Shopify shop links to one store, whichever company holds it (the message names no other store). */
  private async assertDomainFree(ctx: TenancyContext, storeId: string, domain: string): Promise<void> {
    const other = await this.tenancy.catalogManager(ctx).getRepository(StoreEntity).findOneBy({ shopifyDomain: domain });
    if (other && other.id !== storeId) throw new BadUserInputError(DOMAIN_TAKEN);
  }

  /** A database name unique on its server: the catalog's prefix and a random suffix. */
  private databaseName(): string {
    const suffix = randomBytes(6).toString('hex');
    const prefix = this.config.mysql ? this.config.mysql.catalogDatabase.slice(0, 40) : 'store';
    return `${prefix}_s_${suffix}`;
  }

  /**
   * Where a new store goes: the named server, or the configured server holding the fewest stores
   * (ties: configuration order, `default` first). Counted from the catalog, so every instance
   * places alike.
   */
  async placement(ctx: TenancyContext, requested?: string | null): Promise<string> {
    const names = storeServerNames(this.config);
    if (requested !== undefined && requested !== null) {
      if (!names.includes(requested)) throw new BadUserInputError(`Unknown server "${requested}"; configured: ${names.join(', ')}`);
      return requested;
    }
    if (names.length === 1) return names[0];
    const rows: { server: string; n: string | number }[] = await this.tenancy
      .catalogManager(ctx)
      .getRepository(StoreEntity)
      .createQueryBuilder('s')
      .select('s.server', 'server')
      .addSelect('COUNT(*)', 'n')
      .where('s.deletedAt IS NULL')
      .groupBy('s.server')
      .getRawMany();
    const count = new Map(rows.map((r) => [r.server, Number(r.n)]));
    return names.reduce((best, n) => ((count.get(n) ?? 0) < (count.get(best) ?? 0) ? n : best), names[0]);
  }

  /** One store the caller reaches (NOT_FOUND otherwise, exactly like a missing one). */
  async get(ctx: TenancyContext, storeId: string): Promise<StoreEntity> {
    return this.tenancy.store(ctx, storeId);
  }

  /** The stores the caller reaches, within one company (an operator: any; others: their own). */
  async list(ctx: TenancyContext, companyId?: string | null): Promise<StoreEntity[]> {
    return this.tenancy.reachableStores(ctx, companyId ?? undefined);
  }

  async create(ctx: TenancyContext, companyId: string, name: string, settings: StoreSettingsChange | null | undefined, server?: string | null): Promise<StoreEntity> {
    const p = this.tenancy.principal(ctx);
    if (!this.tenancy.reachesCompany(ctx, companyId) || p.storeIds) throw new NotFoundError('Company');
    const company = await this.tenancy.catalogManager(ctx).getRepository(CompanyEntity).findOneBy({ id: companyId });
    if (!company) throw new NotFoundError('Company');
    const clean = name.trim();
    if (!clean || clean.length > 200) throw new BadUserInputError('`name` must be 1-200 characters');
    const store: StoreEntity = Object.assign(new StoreEntity(), {
      id: randomUUID(),
      companyId,
      name: clean,
      server: await this.placement(ctx, server),
      databaseName: this.databaseName(),
      collectEmails: false,
      trackPageViews: true,
      trackContentViews: true,
      trackClicks: true,
      collectCrm: true,
      retentionMinMonths: 1,
      retentionMaxMonths: 12,
      products: DEFAULT_PRODUCTS,
      createdAt: new Date(),
      deletedAt: null,
      deletionState: null,
      shopifyDomain: null,
      webhookUrl: null,
      webhookSecret: null,
    });
    Object.assign(store, settingsPatch(store, settings ?? {}), await this.webhookPatch(settings ?? {}));
    if (store.shopifyDomain) await this.assertDomainFree(ctx, store.id, store.shopifyDomain);
    // The database exists, fully migrated, before the catalog points at it.
    // The generation first (MySQL): a store row without one would be taken for an old-scheme store.
    await this.tenancy.createStoreDatabase(ctx, store, store.server, FIRST_GENERATION, this.config.engine === 'mysql');
    await this.tenancy.catalogManager(ctx).getRepository(StoreEntity).save(store);
    return store;
  }

  /**
   * Changes take effect on the next ingestion batch. With `eraseCollected` and e-mail collection
   * off, the e-mails already held in the store are erased as well, in one transaction.
   */
  async updateSettings(ctx: TenancyContext & AuditContext, storeId: string, settings: StoreSettingsChange, eraseCollected = false): Promise<StoreEntity> {
    const store = await this.tenancy.store(ctx, storeId);
    const patch = { ...settingsPatch(store, settings), ...(await this.webhookPatch(settings)) };
    if (eraseCollected && (patch.collectEmails ?? store.collectEmails)) {
      throw new BadUserInputError('`eraseCollected` erases the e-mails held in the store; it needs `collectEmails: false`');
    }
    const changed = changedSettings(store, patch);
    if (patch.shopifyDomain) await this.assertDomainFree(ctx, store.id, patch.shopifyDomain);
    try {
      await this.tenancy.catalogManager(ctx).getRepository(StoreEntity).update({ id: store.id }, patch);
    } catch (err) {
      // The unique index: another store took the domain in between.
      if (patch.shopifyDomain && isDuplicate(err)) throw new BadUserInputError(DOMAIN_TAKEN);
      throw err;
    }
    Object.assign(store, patch);
    let erased = 0;
    if (eraseCollected) {
      erased = await this.tenancy.storeTransaction(ctx, store.id, async (em) => {
        await lockSubjects(em, 'exclusive'); // ordered against ingestion and a store move
        let n = 0;
        for (const entity of [CustomerEntity, OrderEntity, VisitorEntity]) {
          n += (await em.createQueryBuilder().update(entity).set({ email: null }).where('email IS NOT NULL').execute()).affected ?? 0;
        }
        return n;
      });
      await this.tenancy.flushStore(ctx, store.id);
    }
    await this.audit.record(ctx, [{
      operation: eraseCollected ? 'updateStoreSettings.eraseCollected' : 'updateStoreSettings',
      storeId: store.id,
      companyId: store.companyId,
      records: erased,
      // Names only: a value (a webhook URL, say) is the store's business, not the trail's.
      detail: changed.length ? `settings changed: ${changed.join(', ')}` : 'no setting changed',
    }]);
    return store;
  }

  /** `webhookUrl` when the settings name it (null removes it): checked against the SSRF rules. */
  private async webhookPatch(settings: StoreSettingsChange): Promise<Partial<StoreEntity>> {
    if (settings.webhookUrl === undefined) return {};
    if (!this.webhooks) throw new Error('webhooks are not wired');
    return { webhookUrl: await this.webhooks.checkUrl(settings.webhookUrl) };
  }
}

const DOMAIN_TAKEN = '`settings.shopifyDomain` is linked to another store already; each Shopify shop links to one store';

function isDuplicate(err: unknown): boolean {
  const d = (err as { driverError?: { errno?: number; code?: string } }).driverError;
  return d?.errno === 1062 || /^SQLITE_CONSTRAINT/.test(d?.code ?? '');
}

/** The names of the settings whose value a patch changes, in a stable order. */
export function changedSettings(store: StoreEntity, patch: Partial<StoreEntity>): string[] {
  // Lists (products) are sets: the same members in another order change nothing.
  const norm = (v: unknown) => JSON.stringify(Array.isArray(v) ? [...v].sort() : (v ?? null));
  const same = (a: unknown, b: unknown) => norm(a) === norm(b);
  return (Object.keys(patch) as (keyof StoreEntity)[]).filter((k) => !same(store[k], patch[k])).sort();
}

/** Validates a settings change against the store's current settings; returns the columns to set. */
function settingsPatch(store: StoreEntity, settings: StoreSettingsChange): Partial<StoreEntity> {
  const patch: Partial<StoreEntity> = {};
  for (const key of SWITCHES) {
    const v = settings[key];
    if (v !== undefined && v !== null) patch[key] = v;
  }
  const domain = parseShopifyDomain(settings.shopifyDomain);
  if (domain !== undefined) patch.shopifyDomain = domain;
  const products = validProducts(settings.products);
  if (products) patch.products = products;
  const min = settings.retentionMinMonths ?? store.retentionMinMonths;
  const max = settings.retentionMaxMonths ?? store.retentionMaxMonths;
  if (![min, max].every((m) => Number.isInteger(m) && m >= 1 && m <= 12) || min > max) {
    throw new BadUserInputError('Retention bounds must be whole months within 1-12, the minimum not above the maximum');
  }
  patch.retentionMinMonths = min;
  patch.retentionMaxMonths = max;
  return patch;
}

function validProducts(products: string[] | null | undefined): string[] | null {
  if (!products) return null;
  // Names the positions, never the values sent (they are the caller's text).
  const unknown = products.flatMap((p, i) => (KNOWN_PRODUCTS.includes(p) ? [] : [`products[${i}]`]));
  if (unknown.length) throw new BadUserInputError(`settings.${unknown.slice(0, 10).join(', settings.')}: each product must be one of ${KNOWN_PRODUCTS.join(', ')}`);
  return [...new Set(products)];
}
