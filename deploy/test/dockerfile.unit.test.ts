/**
 * The Dockerfile and .dockerignore, parsed (dockerfile-ast) and held to the image's rules and to the
 * code: multi-stage, production dependencies only, a numeric non-root user, node as PID 1 on the
 * CLI, a HEALTHCHECK, pinned base images. No Docker engine needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { boardDefaultPort, cliCommands, readRepoFile, repoPath } from './code-facts.js';

const dockerfile = DockerfileParser.parse(readRepoFile('Dockerfile'));
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const line = (i: Instruction) => i.getRange().start.line;
const finalFrom = froms.at(-1)!;
const finalStage = instructions.filter((i) => line(i) > line(finalFrom));
const stageOf = (i: Instruction) => froms.filter((f) => line(f) < line(i)).at(-1)?.getBuildStage();
const keyword = (k: string) => (i: Instruction) => i.getKeyword() === k;
const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const json = (i: Instruction): string[] => JSON.parse(args(i).replace(/^CMD\s+/, '')) as string[];
/** ENV of the final stage. */
const finalEnv: Record<string, string | null> = Object.fromEntries(dockerfile.getENVs().filter((e) => line(e) > line(finalFrom))
  .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])));
const rootPackage = JSON.parse(readRepoFile('package.json')) as { workspaces: string[]; scripts: Record<string, string>; engines: { node: string } };

/** `${NAME}` and `$NAME` from the ARGs declared before the first FROM (their defaults). */
function expand(text: string): string {
  const defaults = new Map(dockerfile.getInitialARGs().map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue() ?? '']));
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => defaults.get(a ?? b) ?? '');
}

describe('Dockerfile', () => {
  it('is multi-stage, each stage named once, and every COPY --from names an earlier stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const names = froms.map((f) => f.getBuildStage());
    expect(new Set(names).size).toBe(names.length);
    for (const copy of dockerfile.getCOPYs()) {
      const from = copy.getFromFlag()?.getValue();
      if (from === undefined || from === null) continue;
      const earlier = froms.filter((f) => line(f) < line(copy)).map((f) => f.getBuildStage());
      expect(earlier, `COPY --from=${from} (line ${line(copy) + 1})`).toContain(from);
    }
  });

  it('pins every base image by a full version tag, on a Node the package declares it supports', () => {
    const [min] = /\d+\.\d+/.exec(rootPackage.engines.node) ?? [];
    for (const from of froms) {
      const image = expand(from.getImage() ?? '');
      const match = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+(-slim)?(@sha256:[0-9a-f]{64})?$/.exec(image);
      expect(match, `FROM ${image}: node:<x.y.z>-<distro>`).not.toBeNull();
      const [major, minor] = [Number(match![1]), Number(match![2])];
      const [minMajor, minMinor] = min!.split('.').map(Number) as [number, number];
      expect(major === minMajor ? minor >= minMinor : major > minMajor, `${image} against engines.node ${rootPackage.engines.node}`).toBe(true);
    }
  });

  it('adds nothing from URLs', () => {
    for (const add of instructions.filter(keyword('ADD'))) expect(args(add)).not.toMatch(/https?:\/\//);
  });

  it('builds with npm ci and the Nx build of every workspace (what `prepare` runs, when scripts are off)', () => {
    expect(rootPackage.scripts['prepare']).toMatch(/npm run build/);
    expect(rootPackage.scripts['build']).toMatch(/nx run-many -t build/);
    const buildRuns = instructions.filter((i) => keyword('RUN')(i) && stageOf(i) !== finalFrom.getBuildStage()).map(args);
    const install = buildRuns.findIndex((run) => /\bnpm ci\b/.test(run) && !run.includes('--omit=dev'));
    expect(install, 'npm ci with the dev dependencies').toBeGreaterThanOrEqual(0);
    if (buildRuns[install]!.includes('--ignore-scripts')) {
      expect(buildRuns.slice(install + 1).some((run) => /\bnpm run build\b/.test(run)), 'npm run build after npm ci --ignore-scripts').toBe(true);
    }
    // The runtime copies each workspace's package.json and dist/: that must be all a workspace exports.
    for (const ws of rootPackage.workspaces) {
      const pkg = JSON.parse(readRepoFile(ws, 'package.json')) as { exports?: unknown; main?: string };
      const targets = (value: unknown): string[] => (typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets));
      for (const target of [...targets(pkg.exports), ...targets(pkg.main)]) expect(target, `${ws} exports ${target}`).toMatch(/^\.\/dist\//);
    }
    const staging = buildRuns.find((run) => run.includes('/out/app')) ?? '';
    expect(staging, 'stages every workspace listed in package.json').toContain("require('./package.json').workspaces");
    for (const extra of ['libs/linkindex/migrations', 'libs/linkindex/migrations-sqlite', 'apps/cli/bin']) {
      expect(staging, `stages ${extra}`).toContain(extra);
      expect(existsSync(repoPath(extra)), extra).toBe(true);
    }
  });

  it('runs on production dependencies only: its node_modules come from an `npm ci --omit=dev`', () => {
    const copy = dockerfile.getCOPYs().find((c) => line(c) > line(finalFrom) && args(c).includes('node_modules'));
    const from = copy?.getFromFlag()?.getValue();
    const installs = instructions.filter((i) => keyword('RUN')(i) && stageOf(i) === from).map(args);
    expect(installs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run)), `RUN npm ci --omit=dev in stage ${from}`).toBe(true);
    expect(finalStage.filter(keyword('RUN')).map(args).filter((run) => /\bnpm\b/.test(run)), 'no npm in the final stage').toEqual([]);
  });

  it('sets NODE_ENV=production and runs as a numeric non-root user', () => {
    expect(finalEnv['NODE_ENV']).toBe('production');
    const user = finalStage.filter(keyword('USER')).at(-1);
    const [uid, gid] = args(user!).split(':');
    expect(uid, 'a numeric UID, which Kubernetes can check against runAsNonRoot').toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(gid).toMatch(/^\d+$/);
  });

  it('starts node itself (exec form, never npm) on the CLI, with a real subcommand as the default', () => {
    const [entrypoint, ...more] = finalStage.filter(keyword('ENTRYPOINT'));
    expect(more).toEqual([]);
    const exec = json(entrypoint!);
    expect(exec[0], 'node as PID 1: it gets SIGTERM').toBe('node');
    expect(exec.join(' ')).not.toMatch(/\bnpm\b|\bnpx\b/);
    expect(exec[1]).toMatch(/\/apps\/cli\/bin\/syncframe\.js$/);
    const cmd = finalStage.filter(keyword('CMD')).at(-1);
    const [subcommand] = json(cmd!);
    expect(cliCommands()).toContain(subcommand);
  });

  it('has a HEALTHCHECK running the copied deploy/docker/healthcheck.mjs, and exposes the ports it probes', () => {
    const [healthcheck] = finalStage.filter(keyword('HEALTHCHECK'));
    expect(healthcheck, 'HEALTHCHECK in the final stage').toBeDefined();
    const exec = json(healthcheck!);
    expect(exec[0]).toBe('node');
    const copy = dockerfile.getCOPYs().find((c) => line(c) > line(finalFrom) && args(c).startsWith('deploy/docker/healthcheck.mjs'));
    expect(copy, 'COPY deploy/docker/healthcheck.mjs').toBeDefined();
    const workdir = finalStage.filter(keyword('WORKDIR')).map(args).at(-1) ?? '/';
    expect(path.posix.resolve(workdir, args(copy!).split(/\s+/)[1]!)).toBe(exec[1]);
    const exposed = finalStage.filter(keyword('EXPOSE')).flatMap((e) => args(e).split(/\s+/)).map(Number);
    expect(exposed).toContain(Number(finalEnv['SYNCFRAME_HEALTH_PORT']));
    expect(exposed).toContain(boardDefaultPort());
  });
});

/** Whether Docker leaves `file` out of the build context (.dockerignore: the last matching pattern wins, a match on a folder covers its files). */
function dockerIgnored(file: string, patterns: string[]): boolean {
  const toRegExp = (glob: string) => new RegExp(`^${glob.split(/(\*\*\/|\*\*|\*|\?)/).map((part) => {
    switch (part) {
      case '**/': return '(?:.*/)?';
      case '**': return '.*';
      case '*': return '[^/]*';
      case '?': return '[^/]';
      default: return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }).join('')}$`);
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const re = toRegExp((negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, ''));
    const parts = file.split('/');
    if (parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')))) ignored = !negated;
  }
  return ignored;
}

describe('.dockerignore', () => {
  const patterns = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps VCS data, installed and built output, tests, local data and secrets out of the build context', () => {
    for (const file of [
      '.git/config', 'node_modules/yaml/package.json', 'libs/engine/node_modules/x/index.js', 'libs/engine/dist/index.js',
      'apps/board/test/board-api.integration.test.ts', 'apps/worker/test/fleet-harness.ts', 'libs/engine/src/x.test.ts', 'test-output/report.json',
      '.syncframe/pglite/PG_VERSION', 'config/.syncframe/pglite/PG_VERSION', '.env', 'config/.env', 'config/jobs.jsonc',
      'bench/results/saturation.json', 'libs/engine/tsconfig.tsbuildinfo',
    ]) expect(dockerIgnored(file, patterns), file).toBe(true);
  });

  it('lets in everything the build reads', () => {
    const needed = [
      'package.json', 'package-lock.json', 'nx.json', 'tsconfig.base.json', 'tsconfig.json', 'apps/cli/bin/syncframe.js',
      'libs/linkindex/migrations/meta/_journal.json', 'libs/engine/src/index.ts', 'libs/fakes/src/airtable/index.ts', 'deploy/docker/healthcheck.mjs',
      ...rootPackage.workspaces.flatMap((ws) => [`${ws}/package.json`, `${ws}/tsconfig.json`, `${ws}/src/index.ts`]),
    ];
    for (const file of needed) {
      expect(existsSync(repoPath(file)), `${file} exists`).toBe(true);
      expect(dockerIgnored(file, patterns), file).toBe(false);
    }
  });
});
