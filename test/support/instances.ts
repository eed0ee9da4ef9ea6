import type { AddressInfo } from 'node:net';
import { createGateway, Gateway } from '../../src/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logging';
import { gqlClient, type GqlResult, type TestGateway } from './gateway';

export interface Instance {
  gateway: Gateway;
  url: string;
  gql<T = Record<string, any>>(key: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

/**
 * Another gateway instance on the same databases as `t` (as a second process behind a load
 * balancer would be: same configuration, its own memory). `close` stops it and drops nothing.
 */
export async function anotherInstance(t: TestGateway, overrides: Partial<Config> = {}): Promise<Instance> {
  const gateway = await createGateway({ ...t.config, ...overrides }, createLogger(t.config.logLevel));
  const server = await gateway.listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    gateway,
    url,
    gql: gqlClient(url),
    close: () => gateway.stop(),
  };
}
