/**
 * Which fields of a resolved object (a side, a job, the link index) got their value from `${VAR}`.
 * Kept beside the objects rather than on them, so the config types stay plain data; the display
 * functions consult it to mask those values, since any variable may hold a secret.
 */
const registry = new WeakMap<object, ReadonlySet<string>>();

/** Records dotted field paths (`creds.apiKey`, `schedule.cron`) of `target` that came from the environment. */
export function markEnvDerived(target: object, fields: Iterable<string>): void {
  const set = new Set(fields);
  if (set.size > 0) registry.set(target, set);
}

export function envDerivedFields(target: object): ReadonlySet<string> {
  return registry.get(target) ?? new Set();
}
