/** The board's page of a run. */
export const runPagePath = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;

/** The API's view of a run. */
export const runApiPath = (runId: string): string => `/api/runs/${encodeURIComponent(runId)}`;
