import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { StoreEntity } from '../../entities/catalog';
import type { VisitorEntity } from '../../entities/store';
import { visitorRetention, VisitorRetention } from '../retention/retention.service';

/** Each visitor's retention period, for a page of visitors in one grouped statement. */
export const createRetentionByVisitorLoader = (em: () => Promise<EntityManager>, store: () => Promise<StoreEntity>) =>
  new DataLoader<Pick<VisitorEntity, 'id' | 'lastSeenAt'>, VisitorRetention, string>(
    async (visitors) => {
      const byId = await visitorRetention(await em(), await store(), [...visitors]);
      return visitors.map((v) => byId.get(v.id)!);
    },
    { cacheKeyFn: (v) => v.id },
  );
