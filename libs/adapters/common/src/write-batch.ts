import { PermanentError } from '@syncframe/engine';
import type { WriteOp } from '@syncframe/engine';

/**
 * Checks a non-empty write batch against what one request of the remote takes, and returns its
 * kind. The engine sizes batches by the side's `throttle.batch_size`; an adapter never splits
 * one itself, because splitting would hide which records landed when a later chunk fails
 * (duplicates on retry).
 *
 * @param remote - The remote's name for the message, e.g. `'Airtable'`.
 * @param where - Who is calling (see `describeSide`).
 * @throws PermanentError when the batch holds more than `max` ops or ops of different kinds.
 */
export function writeBatchKind(ops: readonly WriteOp[], max: number, remote: string, where: string): WriteOp['kind'] {
  if (ops.length > max) {
    throw new PermanentError(`${where}: a write batch of ${ops.length} exceeds ${remote}'s limit of ${max}: set the side's throttle.batch_size to ${max} or less`);
  }
  const kind = ops[0]!.kind;
  if (ops.some((op) => op.kind !== kind)) throw new PermanentError(`${where}: a write batch must hold ops of one kind`);
  return kind;
}
