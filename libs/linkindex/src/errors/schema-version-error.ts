import { PermanentError } from '@syncframe/engine';

/**
 * The database schema does not match this SyncFrame: it is newer (a later SyncFrame migrated
 * it) or, when migrating at startup is off, older. Retrying cannot fix it; a person upgrades
 * SyncFrame or runs the migrations.
 */
export class SchemaVersionError extends PermanentError {
  override name = 'SchemaVersionError';
  constructor(message: string) {
    super(message);
  }
}

export function isSchemaVersionError(err: unknown): err is SchemaVersionError {
  return err instanceof SchemaVersionError;
}
