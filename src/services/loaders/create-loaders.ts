import type { EntityManager } from 'typeorm';
import type { StoreEntity } from '../../entities/catalog';
import { createRetentionByVisitorLoader } from './retention-by-visitor.loader';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { createCustomerByIdLoader } from './customer-by-id.loader';
import { createEventCountByVisitorLoader } from './event-count-by-visitor.loader';
import { createEventsByVisitorLoader } from './events-by-visitor.loader';
import { createLinesByOrderLoader } from './lines-by-order.loader';
import { createOrderCountByPersonLoader, createOrdersByPersonLoader, createProfileLinksLoader } from './person-links.loader';
import { createPreferencesByCustomerLoader } from './preferences-by-customer.loader';
import { createProductByIdLoader } from './product-by-id.loader';
import { createStoreByIdLoader } from './store-by-id.loader';

function storeLoaders(em: () => Promise<EntityManager>, store: () => Promise<StoreEntity>) {
  const orderCountByPerson = createOrderCountByPersonLoader(em);
  const linesByOrder = createLinesByOrderLoader(em);
  const eventCountByVisitor = createEventCountByVisitorLoader(em);
  return {
    retentionByVisitor: createRetentionByVisitorLoader(em, store),
    customerById: createCustomerByIdLoader(em),
    profileLinks: createProfileLinksLoader(em),
    // A page of orders brings its lines (when selected) and each person's order count along.
    ordersByPerson: createOrdersByPersonLoader(em, {
      lines: (orderId, lines) => linesByOrder.prime(orderId, lines),
      count: (person, identifiers, n) => orderCountByPerson.prime({ person, identifiers }, n),
    }),
    orderCountByPerson,
    linesByOrder,
    eventsByVisitor: createEventsByVisitorLoader(em),
    eventCountByVisitor,
    preferencesByCustomer: createPreferencesByCustomerLoader(em),
    productById: createProductByIdLoader(em),
  };
}

export type StoreLoaders = ReturnType<typeof storeLoaders>;

export interface Loaders {
  storeById: ReturnType<typeof createStoreByIdLoader>;
  /** The loaders of one store, created on first use in this request. Keys never cross stores. */
  store(storeId: string): StoreLoaders;
  /** After a write in the same request: drop everything cached for that store. */
  clearStore(storeId: string): void;
}

/** Every DataLoader of one request. Never shared across requests. */
export function createLoaders(tenancy: Tenancy, ctx: Omit<TenancyContext, 'loaders'>): Loaders {
  const perStore = new Map<string, StoreLoaders>();
  const loaders: Loaders = {
    storeById: createStoreByIdLoader(tenancy),
    store(storeId) {
      let l = perStore.get(storeId);
      if (!l) {
        l = storeLoaders(() => tenancy.storeManager(self, storeId), () => tenancy.store(self, storeId));
        perStore.set(storeId, l);
      }
      return l;
    },
    clearStore(storeId) {
      perStore.delete(storeId);
    },
  };
  const self: TenancyContext = { principal: ctx.principal, loaders };
  return loaders;
}
