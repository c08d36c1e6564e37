import type { Node } from 'jsonc-parser';
import type { ConfigIssue } from './config-types.js';
import { formatKeyPath, isKeyPathPrefix, type KeyPath } from './key-path.js';
import { locateInString, locateIssue, type IssueAnchor } from './locate-issue.js';
import { SourcePositions } from './source-position.js';

/** An issue before it is turned into file:line:col text. */
export interface DraftIssue {
  /** Character offset in the (BOM-less) text. */
  readonly offset: number;
  readonly path: KeyPath;
  readonly message: string;
  /**
   * Extra words derived from the value itself (a parser's complaint, a resolved path, an id).
   * Dropped when the value came from an environment variable, which may hold a secret.
   */
  readonly detail?: string;
  /** A `${VAR}` problem: other issues at or under this path are only its consequences. */
  readonly fromEnv?: boolean;
}

/** Substituted values shorter than this are too common to scrub from messages without mangling them. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Gathers every issue of one config file, so the operator sees all of them at once, and renders
 * them in file order. It is also the last line of defence for secrets: value-derived details are
 * dropped at env-derived paths, and any substituted value still found in a message is masked.
 */
export class IssueCollector {
  private readonly drafts: DraftIssue[] = [];
  private readonly positions: SourcePositions;
  /** Paths whose string value had a `${VAR}` substituted. */
  private readonly envDerived: KeyPath[] = [];
  private readonly substituted = new Set<string>();
  tree: Node | undefined;

  constructor(
    private readonly text: string,
    readonly file: string,
  ) {
    this.positions = new SourcePositions(text);
  }

  get size(): number {
    return this.drafts.length;
  }

  add(issue: DraftIssue): void {
    this.drafts.push(issue);
  }

  /** Drops the issues reported at `path` exactly (a better one replaces them). */
  dropAt(path: KeyPath): void {
    for (let i = this.drafts.length - 1; i >= 0; i--) {
      const d = this.drafts[i]!.path;
      if (d.length === path.length && d.every((k, j) => k === path[j])) this.drafts.splice(i, 1);
    }
  }

  /** Adds an issue located by `path` in the parsed file. */
  at(path: KeyPath, anchor: IssueAnchor, message: string, detail?: string): void {
    this.add({ offset: locateIssue(this.tree, path, anchor), path, message, ...(detail === undefined ? {} : { detail }) });
  }

  /** Adds a `${VAR}` issue pointing at `needle` inside the string at `path`. */
  inString(path: KeyPath, needle: string, message: string): void {
    this.add({ offset: locateInString(this.text, this.tree, path, needle), path, message, fromEnv: true });
  }

  noteEnvDerived(path: KeyPath, values: readonly string[]): void {
    this.envDerived.push(path);
    for (const value of values) if (value.length >= MIN_SCRUBBED_LENGTH) this.substituted.add(value);
  }

  isEnvDerived(path: KeyPath): boolean {
    return this.envDerived.some((p) => isKeyPathPrefix(path, p) || isKeyPathPrefix(p, path));
  }

  issues(): ConfigIssue[] {
    const envFailures = this.drafts.filter((d) => d.fromEnv).map((d) => d.path);
    return this.drafts
      .map((draft, seq) => ({ draft, seq }))
      .filter(({ draft }) => draft.fromEnv || !envFailures.some((p) => isKeyPathPrefix(p, draft.path)))
      .sort((a, b) => a.draft.offset - b.draft.offset || a.seq - b.seq)
      .map(({ draft }) => {
        const { line, column } = this.positions.at(draft.offset);
        const detail = draft.detail !== undefined && !this.isEnvDerived(draft.path) ? ` (${draft.detail})` : '';
        return { file: this.file, line, column, path: formatKeyPath(draft.path), message: this.scrub(draft.message + detail) };
      });
  }

  private scrub(message: string): string {
    let out = message;
    for (const value of this.substituted) out = out.split(value).join('***');
    return out;
  }
}
