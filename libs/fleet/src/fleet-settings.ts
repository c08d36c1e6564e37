import { SPILL_AFTER_RECORDS } from '@syncframe/engine';
import { DEFAULT_QUEUE_PREFIX } from './queues.js';
/** Timing and sizing of the fleet's processes, from the environment. */
export interface FleetSettings {
  /** Runs one worker processes at once. `SYNCFRAME_WORKER_CONCURRENCY` @defaultValue 5 */
  readonly concurrency: number;
  /**
   * Lease of a job's one active run (PostgreSQL, DB clock), renewed every third of it. A worker
   * that dies releases its job within this time. `SYNCFRAME_LEASE_TTL_MS` @defaultValue 60000
   */
  readonly leaseTtlMs: number;
  /** BullMQ job lock. `SYNCFRAME_LOCK_DURATION_MS` @defaultValue 60000 */
  readonly lockDurationMs: number;
  /** How often BullMQ looks for stalled jobs. `SYNCFRAME_STALLED_INTERVAL_MS` @defaultValue 30000 */
  readonly stalledIntervalMs: number;
  /** Stalls a job survives before it fails. `SYNCFRAME_MAX_STALLED_COUNT` @defaultValue 2 */
  readonly maxStalledCount: number;
  /** How long SIGTERM lets the current runs finish. `SYNCFRAME_SHUTDOWN_GRACE_MS` @defaultValue 25000 */
  readonly shutdownGraceMs: number;
  /** When a run finds its job's lease held elsewhere, it is delayed this long. `SYNCFRAME_BUSY_RETRY_MS` @defaultValue 5000 */
  readonly busyRetryMs: number;
  /** BullMQ key prefix. `SYNCFRAME_QUEUE_PREFIX` @defaultValue 'syncframe' */
  readonly queuePrefix: string;
  /** Health/metrics port of a worker (0 = none). `SYNCFRAME_HEALTH_PORT` @defaultValue 0 */
  readonly healthPort: number;
  /**
   * How long a run rides out an outage of PostgreSQL (the LinkIndex) or Redis (the rate limiter)
   * mid-run: each call is tried again until this much time has passed, so a failover or restart of a
   * few seconds only pauses the run. Longer, the run ends without counting against either remote and
   * the queue runs it again (`RUN_RETRY` in queues.ts). `SYNCFRAME_STORE_OUTAGE_TOLERANCE_MS` @defaultValue 30000
   */
  readonly storeOutageToleranceMs: number;
  /**
   * Records a run keeps in memory of what it pulled; the rest are spilled to a file under
   * `SYNCFRAME_SPOOL_DIR` (else the OS temp folder) and read back a chunk at a time.
   * `SYNCFRAME_SPILL_AFTER_RECORDS` @defaultValue 20000
   */
  readonly spillAfterRecords: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min} (got "${raw}")`);
  return n;
}

export function fleetSettingsFromEnv(env: Env = process.env): FleetSettings {
  return {
    concurrency: int(env, 'SYNCFRAME_WORKER_CONCURRENCY', 5, 1),
    leaseTtlMs: int(env, 'SYNCFRAME_LEASE_TTL_MS', 60_000, 1000),
    lockDurationMs: int(env, 'SYNCFRAME_LOCK_DURATION_MS', 60_000, 1000),
    stalledIntervalMs: int(env, 'SYNCFRAME_STALLED_INTERVAL_MS', 30_000, 500),
    maxStalledCount: int(env, 'SYNCFRAME_MAX_STALLED_COUNT', 2, 0),
    shutdownGraceMs: int(env, 'SYNCFRAME_SHUTDOWN_GRACE_MS', 25_000, 0),
    busyRetryMs: int(env, 'SYNCFRAME_BUSY_RETRY_MS', 5000, 10),
    queuePrefix: env.SYNCFRAME_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX,
    healthPort: int(env, 'SYNCFRAME_HEALTH_PORT', 0, 0),
    storeOutageToleranceMs: int(env, 'SYNCFRAME_STORE_OUTAGE_TOLERANCE_MS', 30_000, 0),
    spillAfterRecords: int(env, 'SYNCFRAME_SPILL_AFTER_RECORDS', SPILL_AFTER_RECORDS, 0),
  };
}
