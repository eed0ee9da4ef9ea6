import pino, { Logger } from 'pino';

export type { Logger };

const EMAIL_LIKE = /[^\s'"`<>()@,;:]+@[^\s'"`<>()@,;:]+/gu;
const QUOTED_VALUE = /'(?:[^'\\]|\\.)*'/g;

/**
 * Database drivers echo values in their messages ("Duplicate entry 'a@b.dk' for key …").
 * Everything that reaches a log line from outside our code passes through this first.
 */
export function scrubPersonal(text: string): string {
  return text.replace(EMAIL_LIKE, '[email]').replace(QUOTED_VALUE, "'[value]'");
}

/** Structured JSON logs; fields that may carry personal data or secrets are redacted by path. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['email', '*.email', 'idOrEmail', '*.idOrEmail', 'variables', '*.variables', 'authorization', '*.authorization', 'secret', '*.secret'],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
