import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = resolve(import.meta.dirname, '../../../..');
const CLI = join(ROOT, 'apps/cli/test/fixtures/syncframe-dev.ts');

/** A `syncframe` process run from the TypeScript sources, its output kept line by line. */
export interface CliProcess {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line (past or future) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/**
 * Runs `syncframe` from the TypeScript sources, or, with `builtCli` (a path to a built
 * `bin/syncframe.js`, e.g. of an older commit), that build.
 */
export function spawnCli(args: string[], env: Record<string, string>, builtCli?: string): CliProcess {
  const command = builtCli ? [builtCli, ...args] : ['--import', 'tsx', CLI, ...args];
  const proc = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.dev.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of [...waiters]) if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | string>((res) => proc.on('exit', (code, signal) => res(code ?? signal ?? -1)));
  return {
    proc, lines, exited,
    waitFor(pattern, timeoutMs = 30_000) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timed out waiting for ${pattern}; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => { clearTimeout(t); res(l); } });
      });
    },
  };
}

/** A fresh PostgreSQL schema for one test file, dropped by `drop`. */
export async function freshSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `fleet_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'syncframe-fleet-'));
}

/** Mappers between Airtable Videos (Name, Slug, Notes) and Webflow videos (name, slug, notes). */
export function writeMappers(dir: string): void {
  writeFileSync(join(dir, 'at-to-wf.mjs'),
    'export default (r) => ({ fields: { name: r.fields.Name ?? "", slug: r.fields.Slug, notes: r.fields.Notes ?? null } });\n');
  writeFileSync(join(dir, 'wf-to-at.mjs'),
    'export default (r) => ({ fields: { Name: r.fields.name ?? null, Slug: r.fields.slug, Notes: r.fields.notes ?? null } });\n');
}


export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
