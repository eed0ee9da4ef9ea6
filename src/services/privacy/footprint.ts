import { EntityManager } from 'typeorm';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { followLinks } from '../subject/person-links';
import type { Identifiers } from '../subject/subject-input';

export type { Identifiers } from '../subject/subject-input';

/** Everything in a store that belongs to one person, found from what identifies them. */
export interface Footprint extends Identifiers {
  customers: CustomerEntity[];
  orders: OrderEntity[];
  visitors: VisitorEntity[];
}

/**
 * Rounds of link-following a footprint may take. Each round that learns something costs at most
 * three statements (per chunk); real people settle in two or three. A chain longer than this is
 * cut off (and reported by `truncated`) rather than let one request walk a whole store.
 */
export const FOOTPRINT_ROUNDS = 8;

/**
 * Closes over every link from the given identifiers (person-links.ts): the customers by ID or
 * e-mail, the visitors by customer ID, e-mail, ID or as the visitor on one of the orders, the
 * orders by customer ID, e-mail or any of the visitor IDs; each row found brings its
 * identifiers, until nothing new is found. The identifiers returned are the seed's and every
 * one found: the ones a forget suppresses and an audit entry names.
 */
export async function findFootprint(em: EntityManager, seed: Identifiers): Promise<Footprint & { truncated: boolean }> {
  const closure = await followLinks(em, [seed], { tables: ['customer', 'visitor', 'order'], maxRounds: FOOTPRINT_ROUNDS });
  const rows = closure.rows[0];
  return {
    customers: rows.customer.sort(byId),
    visitors: rows.visitor.sort(byId),
    orders: rows.order.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byId(a, b)),
    ...closure.identifiers[0],
    truncated: closure.truncated,
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Whether the store holds anything of the person. */
export const holdsAnything = (f: Footprint) => f.customers.length + f.orders.length + f.visitors.length > 0;
