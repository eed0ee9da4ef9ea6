import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import type { OrderEntity, VisitorEntity } from '../../entities/store';
import { orderCountByPerson, ordersByPerson } from '../pagination/paged-by-person';
import { PageRequest, pageKey } from '../pagination/cursor';
import { followLinks } from '../subject/person-links';
import type { Identifiers } from '../subject/subject-input';

/** A customer of a profile, as the links start from it. */
export interface ProfileKey {
  id: string;
  email: string | null;
}

export interface ProfileLinks {
  /** The customer's identifiers and those of the visitors linked to them. */
  identifiers: Identifiers;
  /** Visitors linked by customer ID, by e-mail, or as the visitor on one of the customer's orders; most recently seen first. */
  visitors: VisitorEntity[];
}

/**
 * What a profile attributes to its customer, by the links the report follows (person-links.ts),
 * one step from the customer: their orders (by customer ID or e-mail, read for their visitor
 * only), then their visitors. Two statements for a whole page of customers. The orders shown
 * are then those linked to any of these identifiers (orders of the visitors included).
 */
export const createProfileLinksLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<ProfileKey, ProfileLinks, string>(
    async (keys) => {
      const seeds = keys.map((k) => ({ customerIds: [k.id], emails: k.email ? [k.email] : [], visitorIds: [] }));
      const closure = await followLinks(await em(), seeds, { tables: ['order', 'visitor'], maxRounds: 1, select: { order: ['id'] } });
      return keys.map((_, i) => ({
        identifiers: closure.identifiers[i],
        visitors: closure.rows[i].visitor.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      }));
    },
    { cacheKeyFn: (k) => k.id },
  );

export interface PersonPageKey {
  person: string;
  identifiers: Identifiers;
  page: PageRequest;
}

/** A page of each person's orders, newest first; keys asking for the same page shape share one ranked statement. */
export const createOrdersByPersonLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<PersonPageKey, OrderEntity[], string>(
    async (keys) => {
      const groups = new Map<string, { page: PageRequest; people: Map<string, Identifiers> }>();
      for (const k of keys) {
        const g = groups.get(pageKey(k.page)) ?? { page: k.page, people: new Map<string, Identifiers>() };
        g.people.set(k.person, k.identifiers);
        groups.set(pageKey(k.page), g);
      }
      const results = new Map<string, Map<string, OrderEntity[]>>();
      for (const [gk, g] of groups) results.set(gk, await ordersByPerson(await em(), [...g.people], g.page));
      return keys.map((k) => results.get(pageKey(k.page))?.get(k.person) ?? []);
    },
    { cacheKeyFn: (k) => `${k.person}\u0000${pageKey(k.page)}` },
  );

/** How many orders each person has, one grouped statement per batch. */
export const createOrderCountByPersonLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<Omit<PersonPageKey, 'page'>, number, string>(
    async (keys) => {
      const counts = await orderCountByPerson(await em(), keys.map((k) => [k.person, k.identifiers]));
      return keys.map((k) => counts.get(k.person) ?? 0);
    },
    { cacheKeyFn: (k) => k.person },
  );
