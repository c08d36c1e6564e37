/**
 * What the deployment files must agree with, read from the code itself: the CLI's commands and
 * options, the environment variables the code reads, the probe paths it serves. Read as text where
 * importing would start the whole application (the CLI, the board).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (...parts: string[]): string => path.join(REPO, ...parts);
export const readRepoFile = (...parts: string[]): string => readFileSync(repoPath(...parts), 'utf8');

function block(text: string, start: RegExp, file: string): string {
  const match = start.exec(text);
  if (!match) throw new Error(`${file}: ${start} not found (did the code move?)`);
  const open = match.index + match[0].length - 1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`${file}: unbalanced braces after ${start}`);
}

const CLI_MAIN = 'apps/cli/src/main.ts';

/** The `syncframe` subcommands: the keys of `COMMANDS` in apps/cli/src/main.ts. */
export function cliCommands(): Set<string> {
  const body = block(readRepoFile(CLI_MAIN), /const COMMANDS\b[^=]*=\s*\{/, CLI_MAIN);
  return new Set([...body.matchAll(/^\s*['"]?([a-z][\w-]*)['"]?\s*:/gm)].map((m) => m[1]!));
}

/** The CLI's `--options` (parseArgs in apps/cli/src/main.ts), without the dashes. */
export function cliOptions(): Set<string> {
  const body = block(readRepoFile(CLI_MAIN), /parseArgs\(\{[\s\S]*?options:\s*\{/, CLI_MAIN);
  return new Set([...body.matchAll(/['"]?([a-z][\w-]*)['"]?\s*:\s*\{\s*type:/g)].map((m) => m[1]!));
}

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const root of ['apps', 'libs']) {
    for (const entry of readdirSync(repoPath(root), { recursive: true, encoding: 'utf8' })) {
      const file = path.join(root, entry);
      if (/[\\/]src[\\/].*\.ts$/.test(file) && !/node_modules|[\\/]dist[\\/]|\.test\.ts$/.test(file)) files.push(file);
    }
  }
  return files;
}

const ENV_READ = /\b(?:env|process\.env)(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])|\bint\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g;

/** Environment variables the sources read (`env.X`, `env['X']`, `process.env.X`, fleet-settings' `int(env, 'X')`). */
export function envVarsReadByCode(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles()) {
    for (const m of readRepoFile(file).matchAll(ENV_READ)) names.add((m[1] ?? m[2] ?? m[3])!);
  }
  return names;
}

/** Read by Node itself, not by SyncFrame's code. */
export const NODE_RUNTIME_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS']);

/** The `${VAR}`s a config file names (`$${` is a literal and names nothing). */
export function configVars(jsoncText: string): Set<string> {
  return new Set([...jsoncText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!));
}

/** Paths the worker's health server answers (apps/worker/src/health-server.ts). */
export function workerProbePaths(): Set<string> {
  return new Set([...readRepoFile('apps/worker/src/health-server.ts').matchAll(/path === '(\/[\w-]+)'/g)].map((m) => m[1]!));
}

/**
 * The board's GET routes that need no token: those registered before `authenticate(…)` in
 * apps/board/src/board-app.ts (a probe carries no credentials).
 */
export function boardPublicRoutes(): Set<string> {
  const file = 'apps/board/src/board-app.ts';
  const text = readRepoFile(file);
  const end = text.indexOf('app.use(authenticate(');
  if (end < 0) throw new Error(`${file}: app.use(authenticate(…)) not found (did the code move?)`);
  return new Set([...text.slice(0, end).matchAll(/app\.get\('(\/[\w-]*)'/g)].map((m) => m[1]!));
}

/** `DEFAULT_BOARD_PORT` of apps/board/src/start-board.ts. */
export function boardDefaultPort(): number {
  const m = /DEFAULT_BOARD_PORT\s*=\s*(\d+)/.exec(readRepoFile('apps/board/src/start-board.ts'));
  if (!m) throw new Error('DEFAULT_BOARD_PORT not found in apps/board/src/start-board.ts');
  return Number(m[1]);
}
