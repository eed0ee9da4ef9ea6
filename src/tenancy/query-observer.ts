import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger as PinoLogger } from 'pino';
import { scrubPersonal } from '../logging';

/**
 * Counts statements per database label ('catalog' or 'store:<id>'). The counts back the
 * "statements do not grow with page size" tests and the metrics. Nothing here sees values:
 * parameters can hold e-mail addresses and are never logged.
 */
export class QueryObserver {
  private counts = new Map<string, number>();

  count(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  total(filter: (label: string) => boolean = () => true): number {
    let n = 0;
    for (const [label, c] of this.counts) if (filter(label)) n += c;
    return n;
  }

  reset(): void {
    this.counts.clear();
  }

  loggerFor(label: string, log: PinoLogger): TypeOrmLogger {
    const observer = this;
    return {
      logQuery: () => observer.count(label),
      // Driver messages can quote values ("Duplicate entry 'a@b.dk'…"): scrubbed before logging.
      logQueryError: (error: string | Error, query: string) =>
        log.warn({ db: label, err: scrubPersonal(error instanceof Error ? error.message : String(error)), statement: query.slice(0, 200) }, 'statement failed'),
      logQuerySlow: (time: number, query: string) => log.warn({ db: label, ms: time, statement: query.slice(0, 200) }, 'slow statement'),
      logSchemaBuild: () => undefined,
      logMigration: (message: string) => log.debug({ db: label }, message),
      log: (level: 'log' | 'info' | 'warn', message: unknown) => {
        if (level === 'warn') log.warn({ db: label }, String(message));
      },
    };
  }
}
