import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ProductEntity } from '../../entities/store';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { parseBatch } from './ingestion-schemas';
import { productRecord } from './product-schema';

/** Rows per INSERT: three bound values a row, far under SQLite's limit. */
const CHUNK = 500;

/**
 * The shop's catalogue (names and categories for order lines, top products and preferences).
 * A batch is validated whole and written in one transaction, like every ingestion batch; a
 * product sent again is replaced by the shop's latest word.
 */
export class ProductIngestionService {
  constructor(private readonly tenancy: Tenancy) {}

  async upsertProducts(ctx: TenancyContext, storeId: string, input: unknown[]): Promise<{ accepted: number }> {
    const records = parseBatch('products', productRecord, input, (r) => r.id);
    return this.tenancy.storeTransaction(ctx, storeId, async (em) => {
      const rows = records.map((r) => Object.assign(new ProductEntity(), { id: r.id, name: r.name, category: r.category }));
      for (let i = 0; i < rows.length; i += CHUNK) {
        await em.upsert(ProductEntity, rows.slice(i, i + CHUNK) as QueryDeepPartialEntity<ProductEntity>[], { conflictPaths: ['id'], skipUpdateIfNoValuesChanged: false });
      }
      return { accepted: rows.length };
    });
  }
}
