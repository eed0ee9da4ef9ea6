import type { DataSource } from 'typeorm';
import type { Services } from '../../src/context';
import type { StoreRegistry } from '../../src/tenancy/store-registry';

/*
 * Behind tenancy's door, for tests and benches that set a scene up or break something on
 * purpose (a row written directly, a pool closed). src/ never does this: it asks tenancy.
 */
export const catalogOf = (services: Services): DataSource => services.tenancy['catalog'];
export const registryOf = (services: Services): StoreRegistry => services.tenancy['registry'];
