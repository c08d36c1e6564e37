/** The job cannot run: `enabled: false` in the config, or disabled in the LinkIndex (by a person or after repeated failures). */
export class JobDisabledError extends Error {
  override name = 'JobDisabledError';
  /** Where the job was disabled. */
  readonly where: 'config' | 'linkindex';
  constructor(jobId: string, where: 'config' | 'linkindex') {
    super(
      where === 'config'
        ? `job "${jobId}" is disabled in the config (enabled: false)`
        : `job "${jobId}" is disabled; enable it first (POST /api/jobs/${jobId}/enable)`,
    );
    this.where = where;
  }
}

export function isJobDisabledError(err: unknown): err is JobDisabledError {
  return err instanceof JobDisabledError;
}
