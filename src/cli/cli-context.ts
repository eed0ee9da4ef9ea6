import 'reflect-metadata';
import { createGateway, Gateway } from '../app';
import { ConfigError, loadConfig } from '../config';
import { createContext, type Context } from '../context';
import { createLogger } from '../logging';
import { operatorPrincipal } from '../auth/principal';

/** Operators at the command line act with every scope; the audit trail names them 'cli'. */
export const CLI_PRINCIPAL = operatorPrincipal('cli');

/** The context every command-line run works in: the CLI operator's. */
export function cliContext(gateway: Gateway): Context {
  return createContext(gateway.services, CLI_PRINCIPAL);
}

/** Opens the gateway's databases (no HTTP), runs `work` as the CLI operator, closes everything. */
export async function runCli(work: (ctx: Context, gateway: Gateway) => Promise<void>): Promise<void> {
  try {
    const config = loadConfig();
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const gateway = await createGateway(config, log);
    try {
      await work(cliContext(gateway), gateway);
    } finally {
      await gateway.stop();
    }
  } catch (err) {
    const message = err instanceof ConfigError || (err instanceof Error && 'extensions' in err) ? err.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

/** A one-line progress indicator that rewrites itself on a terminal. */
export function progress(label: string): (done: number, of: number) => void {
  return (done, of) => {
    const line = `${label}: ${done}/${of}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === of ? '\n' : ''}`);
    else if (done === of) process.stdout.write(`${line}\n`);
  };
}
