import type { AddressInfo } from 'node:net';
import { createGateway, Gateway } from '../../src/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logging';
import type { GqlResult, TestGateway } from './gateway';

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
    async gql(key, query, variables) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GqlResult;
      return { status: res.status, data: body.data as never, errors: body.errors };
    },
    close: () => gateway.stop(),
  };
}
