import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { CompanyEntity, StoreEntity } from '../../entities/catalog';
import { BadUserInputError, NotFoundError } from '../../errors';
import type { Logger } from '../../logging';
import { createStoreDatabase } from '../../tenancy/data-source-factory';
import type { QueryObserver } from '../../tenancy/query-observer';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { reachesCompany } from '../auth/principal';

export interface StoreSettingsInput {
  collectEmails?: boolean | null;
  products?: string[] | null;
}

/** Products every store uses; they decide which sub-processors touch the data. */
export const DEFAULT_PRODUCTS = ['recommendations', 'search'];
export const KNOWN_PRODUCTS = ['recommendations', 'search', 'email', 'audience', 'chat'];

export class StoreService {
  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
    private readonly observer: QueryObserver,
    private readonly log: Logger,
  ) {}

  /** A database name unique on its server: the catalog's prefix and a random suffix. */
  private databaseName(): string {
    const suffix = randomBytes(6).toString('hex');
    const prefix = this.config.mysql ? this.config.mysql.catalogDatabase.slice(0, 40) : 'store';
    return `${prefix}_s_${suffix}`;
  }

  async create(ctx: TenancyContext, companyId: string, name: string, settings: StoreSettingsInput | null | undefined): Promise<StoreEntity> {
    const p = this.tenancy.principal(ctx);
    if (!reachesCompany(p, companyId) || p.storeIds) throw new NotFoundError('Company');
    const company = await this.tenancy.catalog.getRepository(CompanyEntity).findOneBy({ id: companyId });
    if (!company) throw new NotFoundError('Company');
    const clean = name.trim();
    if (!clean || clean.length > 200) throw new BadUserInputError('`name` must be 1-200 characters');
    const store: StoreEntity = Object.assign(new StoreEntity(), {
      id: randomUUID(),
      companyId,
      name: clean,
      server: this.config.engine === 'mysql' ? 'default' : 'embedded',
      databaseName: this.databaseName(),
      collectEmails: settings?.collectEmails ?? false,
      products: validProducts(settings?.products) ?? DEFAULT_PRODUCTS,
      createdAt: new Date(),
    });
    // The database exists, fully migrated, before the catalog points at it.
    await createStoreDatabase(this.config, this.tenancy.catalog, store.databaseName, this.observer.loggerFor(`store:${store.id}`, this.log));
    await this.tenancy.catalog.getRepository(StoreEntity).save(store);
    return store;
  }

  async updateSettings(ctx: TenancyContext, storeId: string, settings: StoreSettingsInput): Promise<StoreEntity> {
    const store = await this.tenancy.store(ctx, storeId);
    const patch: Partial<StoreEntity> = {};
    if (settings.collectEmails !== undefined && settings.collectEmails !== null) patch.collectEmails = settings.collectEmails;
    const products = validProducts(settings.products);
    if (products) patch.products = products;
    await this.tenancy.catalog.getRepository(StoreEntity).update({ id: store.id }, patch);
    Object.assign(store, patch);
    return store;
  }
}

function validProducts(products: string[] | null | undefined): string[] | null {
  if (!products) return null;
  const unknown = products.filter((p) => !KNOWN_PRODUCTS.includes(p));
  if (unknown.length) throw new BadUserInputError(`Unknown products: ${unknown.join(', ')}; known: ${KNOWN_PRODUCTS.join(', ')}`);
  return [...new Set(products)];
}
