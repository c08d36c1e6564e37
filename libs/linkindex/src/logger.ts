/**
 * What this package logs through: the subset of pino's API it uses, so a pino logger (or the
 * engine's `Logger`) fits as is.
 */
export interface LinkIndexLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Drops everything: the default, a library stays quiet unless given a logger. */
export const silentLinkIndexLogger: LinkIndexLogger = {
  info() {},
  warn() {},
};
