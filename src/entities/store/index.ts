import { CustomerEntity } from './customer.entity';
import { OrderLineEntity } from './order-line.entity';
import { OrderEntity } from './order.entity';
import { PreferenceTallyEntity } from './preference-tally.entity';
import { ProductEntity } from './product.entity';
import { PurgePositionEntity } from './purge-position.entity';
import { StoreLockEntity } from './store-lock.entity';
import { StatsBucketBuyerEntity, StatsBucketVisitorEntity, StatsDayEventsEntity, StatsDayOrdersEntity, StatsDayProductsEntity } from './stats-rollup.entities';
import { VisitEventEntity } from './visit-event.entity';
import { VisitorEntity } from './visitor.entity';

export { StatsBucketBuyerEntity, StatsBucketVisitorEntity, StatsDayEventsEntity, StatsDayOrdersEntity, StatsDayProductsEntity };
export { CustomerEntity, OrderLineEntity, OrderEntity, PreferenceTallyEntity, ProductEntity, PurgePositionEntity, StoreLockEntity, VisitEventEntity, VisitorEntity };

/** Every entity of a store database. None refers to the catalog. */
export const STORE_ENTITIES = [
  CustomerEntity,
  VisitorEntity,
  VisitEventEntity,
  OrderEntity,
  OrderLineEntity,
  ProductEntity,
  StoreLockEntity,
  PreferenceTallyEntity,
  PurgePositionEntity,
  StatsDayEventsEntity,
  StatsDayOrdersEntity,
  StatsDayProductsEntity,
  StatsBucketVisitorEntity,
  StatsBucketBuyerEntity,
];
