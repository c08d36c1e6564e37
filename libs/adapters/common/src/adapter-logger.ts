/**
 * A pino-compatible logger: only the levels the adapters use. Optional everywhere: an adapter
 * without one logs nothing.
 *
 * Adapters log method, path, status and duration of their requests at `debug`, and notable
 * fallbacks at `info`/`warn`; never headers, tokens or query strings.
 */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
