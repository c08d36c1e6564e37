export { createBoardApp, apiTokenProblem } from './board-app.js';
export { startBoard, DEFAULT_BOARD_PORT } from './start-board.js';
export type { StartBoardOptions, RunningBoard } from './start-board.js';
export type { BoardDeps, BoardMetricsOptions } from './board-deps.js';
export { MIN_API_TOKEN_LENGTH } from './board-deps.js';
export type { JobView, SideView } from './job-overview.js';
export type { ApiErrorBody } from './http-errors.js';
export type { ResolvedConflict } from './job-commands.js';
