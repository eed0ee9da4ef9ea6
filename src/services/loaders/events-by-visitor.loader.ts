import { EntityManager } from 'typeorm';
import { VisitEventEntity } from '../../entities/store';
import { pagedByParent } from '../pagination/paged-by-parent';
import { pagedLoader } from './orders-by-customer.loader';

/** A visitor's log, newest first, one page per visitor. */
export const createEventsByVisitorLoader = (em: () => Promise<EntityManager>) =>
  pagedLoader<VisitEventEntity>(async (ids, page) =>
    pagedByParent(await em(), VisitEventEntity, ids, page, { parentColumn: 'visitorId', timeColumn: 'occurredAt', numericId: true }),
  );
