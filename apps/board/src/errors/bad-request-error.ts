/** The request itself is wrong (body, query or path parameter); the message says which part and why. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export function isBadRequestError(err: unknown): err is BadRequestError {
  return err instanceof BadRequestError;
}
