import { Brackets, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';

/** The identifiers a person is known by in one store. */
export interface Identifiers {
  emails: string[];
  customerIds: string[];
  visitorIds: string[];
}

/** Everything in a store that belongs to one person, found from what identifies them. */
export interface Footprint extends Identifiers {
  customers: CustomerEntity[];
  orders: OrderEntity[];
  visitors: VisitorEntity[];
}

/** `alias.column IN (...)` for each non-empty list, OR-ed; a query matching nothing when all are empty. */
function anyOf<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, conditions: [string, string[]][]): SelectQueryBuilder<T> {
  const live = conditions.filter(([, values]) => values.length > 0);
  if (live.length === 0) return qb.where('1 = 0');
  return qb.where(
    new Brackets((w) => {
      live.forEach(([column, values], i) => w.orWhere(`${alias}.${column} IN (:...p${i})`, { [`p${i}`]: values }));
    }),
  );
}

const union = (a: string[], b: (string | null)[]) => [...new Set([...a, ...b.filter((x): x is string => !!x)])];

/**
 * Follows the links from the given identifiers: customers by ID or e-mail (and the other
 * customers sharing a found e-mail), orders by customer or e-mail, visitors by customer,
 * e-mail, or as the visitor recorded on one of those orders.
 */
export async function findFootprint(em: EntityManager, seed: Identifiers): Promise<Footprint> {
  let emails = [...seed.emails];
  let customerIds = [...seed.customerIds];
  let customers: CustomerEntity[] = [];
  // Two rounds: a customer found by ID brings their e-mail, which may name further customer rows.
  for (let round = 0; round < 2; round++) {
    customers = await anyOf(em.createQueryBuilder(CustomerEntity, 'c'), 'c', [['id', customerIds], ['email', emails]]).getMany();
    const nextEmails = union(emails, customers.map((c) => c.email));
    customerIds = union(customerIds, customers.map((c) => c.id));
    if (nextEmails.length === emails.length) break;
    emails = nextEmails;
  }
  const orders = await anyOf(em.createQueryBuilder(OrderEntity, 'o'), 'o', [['customerId', customerIds], ['email', emails]]).getMany();
  const orderVisitors = union(seed.visitorIds, orders.map((o) => o.visitorId));
  const visitors = await anyOf(em.createQueryBuilder(VisitorEntity, 'v'), 'v', [['customerId', customerIds], ['email', emails], ['id', orderVisitors]]).getMany();
  return {
    customers,
    orders,
    visitors,
    emails: union(emails, visitors.map((v) => v.email)),
    customerIds,
    visitorIds: union(orderVisitors, visitors.map((v) => v.id)),
  };
}
