import { SubProcessorEntity, StoreEntity } from '../../entities/catalog';
import type { Config } from '../../config';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { PrivacyActivity, PrivacyActivityService } from './privacy-activity.service';
import { needs } from './sub-processor.service';

export interface DataCounts {
  visitors: number;
  customersWithPreferences: number;
  emailAddresses: number;
  orders: number;
  customersWithCrm: number;
}

export interface DataLocationInfo {
  database: string;
  backup: string;
  engine: 'sqlite' | 'mysql';
  server: string;
  dataRegion: string;
  backupRegion: string;
}

export interface StoreDataTypes {
  store: StoreEntity;
  counts: DataCounts;
  location: DataLocationInfo;
}

export interface SubProcessorUse {
  subProcessor: SubProcessorEntity;
  usedBy: { store: StoreEntity; products: string[] }[];
}

export interface Dashboard {
  subProcessors: SubProcessorUse[];
  stores: StoreDataTypes[];
}

/**
 * The GDPR dashboard (S10): which sub-processors the company's stores make use of, and per
 * store which data types it holds, from the data actually present. One statement per store.
 */
export class DashboardService {
  private readonly activities: PrivacyActivityService;

  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
  ) {
    this.activities = new PrivacyActivityService(tenancy);
  }

  /** The privacy activity of the last 30 days (forget requests, purges): catalog reads only. */
  activity(ctx: TenancyContext, companyId: string, now = new Date()): Promise<PrivacyActivity> {
    return this.activities.forCompany(ctx, companyId, now);
  }

  /** The platform's sub-processors, for any authenticated caller (no tenant data), by ID. */
  async subProcessors(ctx: TenancyContext): Promise<SubProcessorEntity[]> {
    return this.tenancy.catalogManager(ctx).getRepository(SubProcessorEntity).find({ order: { id: 'ASC' } });
  }

  async forCompany(ctx: TenancyContext, companyId: string): Promise<Dashboard> {
    const stores = await this.tenancy.reachableStores(ctx, companyId);
    const subProcessors = await this.tenancy.catalogManager(ctx).getRepository(SubProcessorEntity).find({ order: { id: 'ASC' } });
    const perStore: StoreDataTypes[] = [];
    for (const store of stores) perStore.push({ store, counts: await this.counts(ctx, store), location: this.location(store) });
    return {
      subProcessors: subProcessors.map((sp) => ({
        subProcessor: sp,
        usedBy: stores.filter((s) => needs(sp, s.products)).map((s) => ({ store: s, products: sp.products.includes('*') ? ['*'] : sp.products.filter((p) => s.products.includes(p)) })),
      })),
      stores: perStore,
    };
  }

  private location(store: StoreEntity): StoreDataTypes['location'] {
    const database = this.config.engine === 'sqlite' ? `embedded SQLite on the gateway host (${this.config.dataRegion})` : `MySQL server "${store.server}" (${this.config.dataRegion})`;
    return { database, backup: this.config.backupRegion, engine: this.config.engine, server: store.server, dataRegion: this.config.dataRegion, backupRegion: this.config.backupRegion };
  }

  private async counts(ctx: TenancyContext, store: StoreEntity): Promise<DataCounts> {
    const em = await this.tenancy.storeManager(ctx, store.id);
    const q = (name: string) => em.connection.driver.escape(name);
    // Scalar subqueries: every count in one round trip. E-mail addresses are counted once each
    // however many rows hold them (UNION drops duplicates; columns compare byte for byte).
    const [row] = await em.query(`SELECT
      (SELECT COUNT(*) FROM ${q('visitors')}) AS visitors,
      (SELECT COUNT(*) FROM ${q('orders')}) AS orders,
      (SELECT COUNT(*) FROM (
         SELECT ${q('email')} FROM ${q('customers')} WHERE ${q('email')} IS NOT NULL
         UNION SELECT ${q('email')} FROM ${q('orders')} WHERE ${q('email')} IS NOT NULL
         UNION SELECT ${q('email')} FROM ${q('visitors')} WHERE ${q('email')} IS NOT NULL) ${q('addresses')}) AS emails,
      (SELECT COUNT(*) FROM ${q('customers')} WHERE ${q('name')} IS NOT NULL OR ${q('age')} IS NOT NULL OR ${q('gender')} IS NOT NULL
        OR ${q('city')} IS NOT NULL OR ${q('attributes')} IS NOT NULL) AS crm,
      (SELECT COUNT(*) FROM ${q('customers')} c WHERE
         EXISTS (SELECT 1 FROM ${q('orders')} o WHERE o.${q('customerId')} = c.${q('id')})
         OR EXISTS (SELECT 1 FROM ${q('visitors')} v JOIN ${q('visit_events')} e ON e.${q('visitorId')} = v.${q('id')}
                    WHERE v.${q('customerId')} = c.${q('id')} AND e.${q('type')} = 'CLICK')) AS preferences`);
    return {
      visitors: Number(row.visitors),
      orders: Number(row.orders),
      emailAddresses: Number(row.emails),
      customersWithCrm: Number(row.crm),
      customersWithPreferences: Number(row.preferences),
    };
  }
}
