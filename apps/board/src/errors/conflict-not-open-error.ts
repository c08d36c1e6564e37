/** A person tried to resolve a conflict that was already resolved (or already applied). */
export class ConflictNotOpenError extends Error {
  constructor(conflictId: string, state: 'resolved' | 'applied') {
    super(`conflict ${conflictId} is already ${state}`);
    this.name = 'ConflictNotOpenError';
  }
}

export function isConflictNotOpenError(err: unknown): err is ConflictNotOpenError {
  return err instanceof ConflictNotOpenError;
}
