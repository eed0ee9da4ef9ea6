import { Brackets, EntityManager, ObjectLiteral } from 'typeorm';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { Identifiers, noIdentifiers } from './subject-input';

/**
 * The links between a person's rows in one store, written once: which columns of each table
 * name a person (a row belongs to the person when any of them holds one of the person's
 * identifiers), and which identifiers a row of the person brings along.
 *
 * - a customer: by ID or e-mail; brings its ID and e-mail;
 * - a visitor: by its ID, its customer ID or its e-mail; brings all three;
 * - an order: by its customer ID, e-mail or visitor ID; brings its visitor ("the visitor on one
 *   of their orders"). An order does not bring its customer ID or e-mail: an order found through
 *   a shared visitor (a shop's kiosk) must not make its buyer the same person.
 *
 * The footprint (report, forget, replay, audit) follows these to a fixed point; the profile's
 * orders and visitors follow them one step from the customer (see profile-links.loader.ts).
 */
export type IdentifierKind = keyof Identifiers;
export type LinkedTable = 'customer' | 'visitor' | 'order';

interface Link<E> {
  entity: new () => E;
  /** Columns matched against the person's identifiers, by kind. */
  matchedBy: [IdentifierKind, keyof E & string][];
  /** Columns whose values join the person's identifiers when the row is theirs. */
  brings: [IdentifierKind, keyof E & string][];
}

export const LINKS: { customer: Link<CustomerEntity>; visitor: Link<VisitorEntity>; order: Link<OrderEntity> } = {
  customer: { entity: CustomerEntity, matchedBy: [['customerIds', 'id'], ['emails', 'email']], brings: [['customerIds', 'id'], ['emails', 'email']] },
  visitor: {
    entity: VisitorEntity,
    matchedBy: [['visitorIds', 'id'], ['customerIds', 'customerId'], ['emails', 'email']],
    brings: [['visitorIds', 'id'], ['customerIds', 'customerId'], ['emails', 'email']],
  },
  order: { entity: OrderEntity, matchedBy: [['customerIds', 'customerId'], ['emails', 'email'], ['visitorIds', 'visitorId']], brings: [['visitorIds', 'visitorId']] },
};

export type RowOf<T extends LinkedTable> = T extends 'customer' ? CustomerEntity : T extends 'visitor' ? VisitorEntity : OrderEntity;

/** Values per statement and list, so a person with a long history never builds one enormous statement. */
export const LINK_CHUNK = 500;

/** Whether a row is linked to a person known by these identifiers. */
export function isLinked<T extends LinkedTable>(table: T, row: RowOf<T>, ids: Identifiers): boolean {
  const link = LINKS[table] as unknown as Link<RowOf<T>>;
  return link.matchedBy.some(([kind, column]) => {
    const v = row[column] as unknown;
    return typeof v === 'string' && ids[kind].includes(v);
  });
}

/** The identifiers a row of the person brings. */
export function broughtBy<T extends LinkedTable>(table: T, row: RowOf<T>): Identifiers {
  const link = LINKS[table] as unknown as Link<RowOf<T>>;
  const out = noIdentifiers();
  for (const [kind, column] of link.brings) {
    const v = row[column] as unknown;
    if (typeof v === 'string' && v) out[kind].push(v);
  }
  return out;
}

/**
 * Rows of a table linked to any of these identifiers: one statement per chunk of each list.
 * `select` narrows the columns read (the link columns are always read).
 */
export async function findLinked<T extends LinkedTable>(em: EntityManager, table: T, ids: Identifiers, select?: string[]): Promise<RowOf<T>[]> {
  const link = LINKS[table] as unknown as Link<RowOf<T>>;
  const lists = link.matchedBy.map(([kind, column]) => [column, ids[kind]] as const).filter(([, values]) => values.length > 0);
  const rounds = Math.max(0, ...lists.map(([, values]) => Math.ceil(values.length / LINK_CHUNK)));
  const byId = new Map<string, RowOf<T>>();
  for (let i = 0; i < rounds; i++) {
    const live = lists.map(([column, values]) => [column, values.slice(i * LINK_CHUNK, (i + 1) * LINK_CHUNK)] as const).filter(([, v]) => v.length > 0);
    const qb = em.createQueryBuilder(link.entity as new () => ObjectLiteral, 'x');
    if (select) {
      const columns = new Set<string>(['id', ...link.matchedBy.map(([, c]) => c), ...link.brings.map(([, c]) => c), ...select]);
      qb.select([...columns].map((c) => `x.${c}`));
    }
    qb.where(new Brackets((w) => live.forEach(([column, values], j) => w.orWhere(`x.${column} IN (:...p${j})`, { [`p${j}`]: values }))));
    for (const row of (await qb.getMany()) as RowOf<T>[]) byId.set(row.id, row);
  }
  return [...byId.values()];
}

/** Adds `more` to `into`, returning the identifiers that were new. */
export function absorb(into: Identifiers, more: Identifiers): Identifiers {
  const added = noIdentifiers();
  for (const kind of ['emails', 'customerIds', 'visitorIds'] as IdentifierKind[]) {
    for (const v of more[kind]) {
      if (!into[kind].includes(v)) {
        into[kind].push(v);
        added[kind].push(v);
      }
    }
  }
  return added;
}

export const isEmpty = (ids: Identifiers) => ids.emails.length + ids.customerIds.length + ids.visitorIds.length === 0;

export interface PeopleClosure {
  /** Per seed, in the seeds' order: every identifier known after following the links. */
  identifiers: Identifiers[];
  /** Per seed, the rows of each table followed that belong to the person. */
  rows: { customer: CustomerEntity[]; visitor: VisitorEntity[]; order: OrderEntity[] }[];
  /** Whether the closure stopped at `maxRounds` with identifiers still unexplored. */
  truncated: boolean;
}

/**
 * Follows the links from several people at once (a page of profiles costs the same statements
 * as one): in each round, each table in `tables` order is asked only for rows linked to
 * identifiers not asked for before, every row found is attributed to each person it links to,
 * and what it brings joins that person. Stops when a round learns nothing, or after `maxRounds`.
 */
export async function followLinks(
  em: EntityManager,
  seeds: Identifiers[],
  opts: { tables: LinkedTable[]; maxRounds: number; select?: { order?: (keyof OrderEntity & string)[] } },
): Promise<PeopleClosure> {
  const known = seeds.map((s) => absorb(noIdentifiers(), s));
  const found = { customer: new Map<string, CustomerEntity>(), visitor: new Map<string, VisitorEntity>(), order: new Map<string, OrderEntity>() };
  const asked = { customer: noIdentifiers(), visitor: noIdentifiers(), order: noIdentifiers() };
  let round = 0;
  let learned = true;
  while (learned && round < opts.maxRounds) {
    learned = false;
    round++;
    for (const table of opts.tables) {
      const all = noIdentifiers();
      known.forEach((k) => absorb(all, k));
      const fresh = absorb(asked[table], all);
      if (isEmpty(fresh)) continue;
      const rows = await findLinked(em, table, fresh, table === 'order' ? opts.select?.order : undefined);
      const map = found[table] as Map<string, RowOf<typeof table>>;
      rows.forEach((r) => map.set(r.id, r));
      // A row's own key, once learned, would only find that row again: never ask for it.
      const ownKey = LINKS[table].matchedBy.find(([, column]) => column === 'id');
      if (ownKey) absorb(asked[table], { ...noIdentifiers(), [ownKey[0]]: rows.map((r) => r.id) });
      for (const k of known) {
        for (const r of map.values()) {
          if (isLinked(table, r, k) && !isEmpty(absorb(k, broughtBy(table, r)))) learned = true;
        }
      }
    }
  }
  // Whether anything is left unexplored: identifiers known but never asked of some table.
  const truncated = opts.tables.some((table) =>
    known.some((k) => LINKS[table].matchedBy.some(([kind]) => k[kind].some((v) => !asked[table][kind].includes(v)))),
  );
  return {
    identifiers: known,
    rows: known.map((k) => ({
      customer: [...found.customer.values()].filter((r) => isLinked('customer', r, k)),
      visitor: [...found.visitor.values()].filter((r) => isLinked('visitor', r, k)),
      order: [...found.order.values()].filter((r) => isLinked('order', r, k)),
    })),
    truncated,
  };
}
