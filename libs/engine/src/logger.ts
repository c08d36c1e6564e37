import { pino } from 'pino';
import type { Logger as PinoLogger, LoggerOptions } from 'pino';

/** The logging port: pino's shape, so any pino logger (or a child) fits. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * Paths pino censors wherever they appear in a log object: credentials never reach a log line,
 * even when a config or an error is logged whole.
 */
export const REDACT_PATHS: readonly string[] = [
  'creds', '*.creds', '*.*.creds', '*.*.*.creds',
  'apiKey', '*.apiKey', 'token', '*.token', 'password', '*.password',
  'authorization', '*.authorization', 'Authorization', '*.Authorization',
  'headers.authorization', '*.headers.authorization', 'req.headers.cookie', 'conn', '*.conn',
];

/**
 * pino JSON to stdout (or `destination`), with the redaction list. The level is the caller's (each
 * process reads `LOG_LEVEL` in its own settings); info by default.
 */
export function createLogger(options: LoggerOptions & { destination?: NodeJS.WritableStream } = {}): PinoLogger {
  const { destination, ...rest } = options;
  const opts: LoggerOptions = {
    level: 'info',
    base: { service: 'syncframe' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    ...rest,
  };
  return destination ? pino(opts, destination as never) : pino(opts);
}

/** A logger that drops everything (tests, library use without logs). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
