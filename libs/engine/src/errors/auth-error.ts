import { PermanentError } from './permanent-error.js';

/** 401/403: the credential is wrong, revoked or lacks a scope. Never retried; the message never holds the credential. */
export class AuthError extends PermanentError {
  override name = 'AuthError';
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}
