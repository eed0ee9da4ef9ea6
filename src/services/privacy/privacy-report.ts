import type { StoreEntity } from '../../entities/catalog';
import type { CustomerEntity, OrderEntity, OrderLineEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import type { PreferenceResult } from '../profiles/preferences';
import type { DataCategory } from './data-categories';

/** What one store holds about the person, as the report gathers it (before its content is added). */
export interface StoreReport {
  store: StoreEntity;
  customers: CustomerEntity[];
  orders: OrderEntity[];
  lines: OrderLineEntity[];
  visitors: VisitorEntity[];
  events: VisitEventEntity[];
  preferences: PreferenceResult[];
  dataCategories: DataCategory[];
}

export interface PrivacyReport {
  generatedAt: Date;
  stores: StoreReport[];
}
