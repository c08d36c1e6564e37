import type { LeaseGrant } from '@syncframe/engine';
import type { LinkIndexDatabase, LinkIndexExecutor } from '../database.js';
import { assertLeaseHeld } from './fencing.js';

/** How a write runs. */
export interface WriteOptions {
  /** Set on a fenced view: the write first checks, in its transaction, that this grant still holds the lease. */
  readonly fence?: LeaseGrant | undefined;
  /** The write spans several statements, which must commit all or nothing. */
  readonly severalStatements?: boolean;
}

/**
 * Runs a store's write: in a transaction when it is fenced (the lease check and the write must
 * commit together) or spans several statements (all or nothing); a single statement is atomic as
 * is and runs on the database directly. The one transaction helper of every store.
 */
export async function inWriteTransaction<T>(
  db: LinkIndexDatabase,
  options: WriteOptions,
  body: (ex: LinkIndexExecutor) => Promise<T>,
): Promise<T> {
  const { fence, severalStatements = false } = options;
  if (!fence && !severalStatements) return body(db);
  return db.transaction(async (tx) => {
    if (fence) await assertLeaseHeld(tx, fence);
    return body(tx);
  });
}
