import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row (id 1): a counter that moves whenever an API key or a store changes (its row, its
 * database user's credential generation), bumped by triggers in the same transaction as the
 * change, whoever makes it (the API, a CLI, an operator's SQL). Every gateway instance reads it
 * once per request and drops its cached key and store rows when it moved (tenancy/catalog-cache.ts):
 * a revoked key or a moved store takes effect on the next request on every instance.
 */
@Entity('catalog_version')
export class CatalogVersionEntity {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'int', default: 0 })
  version: number;
}
