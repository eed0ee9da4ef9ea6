import type { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Hot-path statements written once as SQL text and read back into TypeORM entities, so a
 * request does not pay for the query builder (building the SQL, then the hydrator) on every
 * loader batch. The entities stay the model: columns and conversions come from their metadata,
 * and `hydrate` converts each value exactly as TypeORM does (driver types, transformers).
 */
export interface Projection<E> {
  /** `alias.column AS "prefix" + property, ...` for every column of the entity. */
  columns: string;
  /** `NULL AS "prefix" + property, ...`: the same columns, absent (for a UNION branch). */
  nulls: string;
  /** The aliases ("prefix" + property), in the order of `columns`. */
  names: string[];
  /** The entity from a raw row, or null when the row carries none (a LEFT JOIN's miss). */
  hydrate(row: Record<string, unknown>): E | null;
  /** A value as the driver stores it in this property's column (e.g. a Date for SQLite). */
  persist(property: keyof E & string, value: unknown): unknown;
}

const cache = new WeakMap<DataSource, Map<string, unknown>>();

/** A value built once per data source (SQL text depends on the driver's quoting). */
export function once<T>(em: EntityManager, key: string, build: () => T): T {
  const ds = em.connection;
  let m = cache.get(ds);
  if (!m) {
    m = new Map();
    cache.set(ds, m);
  }
  let v = m.get(key) as T | undefined;
  if (v === undefined) {
    // Keys with a list length in them are bounded by the page and chunk limits; still, never grow without bound.
    if (m.size > 2000) m.clear();
    v = build();
    m.set(key, v);
  }
  return v;
}

export const quote = (em: EntityManager) => (name: string) => em.connection.driver.escape(name);

export function projection<E>(em: EntityManager, entity: new () => E, alias: string, prefix: string): Projection<E> {
  return once(em, `projection|${entity.name}|${alias}|${prefix}`, () => {
    const ds = em.connection;
    const esc = quote(em);
    const meta = ds.getMetadata(entity);
    const cols = meta.columns.map((c) => ({ prop: c.propertyName, as: `${prefix}${c.propertyName}`, meta: c }));
    const byProp = new Map<string, ColumnMetadata>(cols.map((c) => [c.prop, c.meta]));
    const primary = `${prefix}${meta.primaryColumns[0].propertyName}`;
    return {
      columns: cols.map((c) => `${alias}.${esc(c.meta.databaseName)} AS ${esc(c.as)}`).join(', '),
      nulls: cols.map((c) => `NULL AS ${esc(c.as)}`).join(', '),
      names: cols.map((c) => c.as),
      hydrate(row: Record<string, unknown>): E | null {
        if (row[primary] === null || row[primary] === undefined) return null;
        const e = new entity() as Record<string, unknown>;
        for (const c of cols) e[c.prop] = ds.driver.prepareHydratedValue(row[c.as], c.meta);
        return e as E;
      },
      persist(property: string, value: unknown): unknown {
        return ds.driver.preparePersistentValue(value, byProp.get(property)!);
      },
    };
  });
}

/** `?, ?, ?` for n values. */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
