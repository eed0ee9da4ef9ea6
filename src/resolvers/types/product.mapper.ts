import type { ProductEntity } from '../../entities/store';
import { Product } from './product.type';

/** A product as the API shows it; one the shop never sent is its ID with no name or category. */
export const toProduct = (id: string, e: ProductEntity | null): Product =>
  Object.assign(new Product(), { id, name: e?.name ?? null, category: e?.category ?? null });
