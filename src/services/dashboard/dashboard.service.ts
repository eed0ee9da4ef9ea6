import { SubProcessorEntity, StoreEntity } from '../../entities/catalog';
import type { Config } from '../../config';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { needs } from './sub-processor.service';

export interface DataCounts {
  visitors: number;
  customersWithPreferences: number;
  emailAddresses: number;
  orders: number;
  customersWithCrm: number;
}

export interface StoreDataTypes {
  store: StoreEntity;
  counts: DataCounts;
  location: { database: string; backup: string };
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
  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
  ) {}

  async forCompany(ctx: TenancyContext, companyId: string): Promise<Dashboard> {
    const stores = await this.tenancy.reachableStores(ctx, companyId);
    const subProcessors = await this.tenancy.catalog.getRepository(SubProcessorEntity).find({ order: { id: 'ASC' } });
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
    return { database, backup: this.config.backupRegion };
  }

  private async counts(ctx: TenancyContext, store: StoreEntity): Promise<DataCounts> {
    const em = await this.tenancy.storeManager(ctx, store.id);
    const q = (name: string) => em.connection.driver.escape(name);
    // Scalar subqueries: every count in one round trip.
    const [row] = await em.query(`SELECT
      (SELECT COUNT(*) FROM ${q('visitors')}) AS visitors,
      (SELECT COUNT(*) FROM ${q('orders')}) AS orders,
      (SELECT COUNT(*) FROM ${q('customers')} WHERE ${q('email')} IS NOT NULL)
        + (SELECT COUNT(*) FROM ${q('orders')} WHERE ${q('email')} IS NOT NULL)
        + (SELECT COUNT(*) FROM ${q('visitors')} WHERE ${q('email')} IS NOT NULL) AS emails,
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
