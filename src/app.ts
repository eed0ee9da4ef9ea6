import 'reflect-metadata';
import type { Config } from './config';
import { createHttpServer, type Gateway, type GatewayOptions } from './http/server';
import type { Logger } from './logging';
import { createServices } from './services/create-services';

export { MAX_BODY_BYTES, type Gateway, type GatewayOptions } from './http/server';

/** Opens the catalog (migrating it), wires services (createServices), and prepares the HTTP app (createHttpServer). */
export async function createGateway(config: Config, log: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const wiring = await createServices(config, log);
  try {
    return await createHttpServer(wiring, options);
  } catch (err) {
    await wiring.close().catch(() => undefined);
    throw err;
  }
}
