import type { BoardDeps } from '../board-deps.js';
import type { SecretScrubber } from '../secret-scrubber.js';

/** What every API handler gets: the board's dependencies and the scrubber for messages quoting remotes. */
export interface ApiContext {
  readonly deps: BoardDeps;
  readonly scrubber: SecretScrubber;
}
