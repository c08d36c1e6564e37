/** A person tried to resolve a conflict that was already resolved (or already applied). */
export class ConflictNotOpenError extends Error {
  override name = 'ConflictNotOpenError';
  constructor(conflictId: string, state: 'resolved' | 'applied') {
    super(`conflict ${conflictId} is already ${state}`);
  }
}

export function isConflictNotOpenError(err: unknown): err is ConflictNotOpenError {
  return err instanceof ConflictNotOpenError;
}
