/**
 * docker-compose.yml, parsed and held to the code: real subcommands, environment variables the code
 * reads, healthchecks, start order, a scalable worker, no secret in the file. `docker compose config`
 * (or Debian's docker-compose 1.29) also validates it when one is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fleetSettingsFromEnv } from '../../libs/fleet/src/fleet-settings.js';
import { cliCommands, configVars, envVarsReadByCode, NODE_RUNTIME_ENV, readRepoFile, repoPath } from './code-facts.js';

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: string[];
  container_name?: string;
  restart?: string;
  stop_grace_period?: string;
  volumes?: string[];
}

const COMPOSE_FILE = 'docker-compose.yml';
const compose = parse(readRepoFile(COMPOSE_FILE), { merge: true }) as { services: Record<string, Service> } & Record<string, unknown>;
/** The `${VAR…}` substitutions of the file's values (comments left out). */
const substitutions = [...JSON.stringify(compose).matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:?[-?])?/g)].map((m) => ({ name: m[1]!, required: m[2]?.endsWith('?') ?? false }));
const services = Object.entries(compose.services);
/** Services that run this repository's image. */
const syncframe = services.filter(([, s]) => s.build !== undefined);
const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command : (s.command ?? '').split(/\s+/));
const oneShot = (s: Service) => s.restart === 'no';
const ALLOWED_ENV = new Set([...envVarsReadByCode(), ...NODE_RUNTIME_ENV, ...configVars(readRepoFile('config/jobs.example.jsonc'))]);
/** The worker's drain grace plus the time to hand runs back and exit. */
const EXIT_MARGIN_MS = 10_000;

function seconds(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || duration === '') throw new Error(`unsupported duration ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe('docker-compose.yml', () => {
  it('keeps to what docker-compose 1.29 reads too (no top-level name or version, x- extensions)', () => {
    for (const key of Object.keys(compose)) expect(['services', 'volumes'].includes(key) || key.startsWith('x-'), key).toBe(true);
  });

  it('runs the fleet from this image with real syncframe subcommands: migrate once, scheduler, worker, board', () => {
    const commands = cliCommands();
    for (const [name, s] of syncframe) expect(commands, `${name}: ${String(s.command)}`).toContain(commandOf(s)[0]);
    expect(syncframe.map(([, s]) => commandOf(s)[0]).sort()).toEqual(['board', 'migrate', 'scheduler', 'worker']);
    expect(oneShot(service('migrate'))).toBe(true);
  });

  it('has a healthcheck on every long-running service; this image\'s services use its healthcheck script for their command', () => {
    for (const [name, s] of services.filter(([, x]) => !oneShot(x))) {
      expect(s.healthcheck?.test, name).toBeDefined();
      expect(s.healthcheck?.disable, name).not.toBe(true);
    }
    for (const [name, s] of syncframe.filter(([, x]) => !oneShot(x))) {
      expect(s.healthcheck?.test, name).toEqual(['CMD', 'node', '/app/healthcheck.mjs', commandOf(s)[0]]);
    }
  });

  it('starts in order: each dependency with a condition, the fleet after a successful migration and a healthy Redis', () => {
    for (const [name, s] of services) {
      if (s.depends_on === undefined) continue;
      expect(Array.isArray(s.depends_on), `${name}: depends_on with conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(s.depends_on as Record<string, { condition?: string }>)) {
        if (condition === 'service_completed_successfully') expect(oneShot(service(dep)), `${name} waits for ${dep} to finish`).toBe(true);
        else {
          expect(condition, `${name} → ${dep}`).toBe('service_healthy');
          expect(service(dep).healthcheck?.test, `${dep} has a healthcheck`).toBeDefined();
        }
      }
    }
    for (const [name, s] of syncframe.filter(([, x]) => !oneShot(x))) {
      expect(s.depends_on, name).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    }
    expect(service('migrate').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
  });

  it('lets the worker scale (no container_name, no host port) and stop after its drain grace', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const [name, s] of services) expect(s.container_name, name).toBeUndefined();
    const grace = fleetSettingsFromEnv(Object.fromEntries(Object.entries(worker.environment ?? {}).map(([k, v]) => [k, String(v)]))).shutdownGraceMs;
    expect(seconds(worker.stop_grace_period ?? '10s') * 1000).toBeGreaterThanOrEqual(grace + EXIT_MARGIN_MS);
  });

  it('sets only environment variables the code, Node or the jobs file read, and SYNCFRAME_CONFIG is in a read-only mount', () => {
    for (const [name, s] of syncframe) {
      for (const key of Object.keys(s.environment ?? {})) expect(ALLOWED_ENV, `${name}: ${key}`).toContain(key);
      const config = String(s.environment?.['SYNCFRAME_CONFIG']);
      const mount = (s.volumes ?? []).map((v) => v.split(':')).find(([, target]) => config.startsWith(`${target}/`));
      expect(mount?.[2], `${name}: ${config} in a read-only volume`).toBe('ro');
    }
  });

  it('writes no secret: passwords and tokens come from .env through ${VAR}, and .env.example lists every variable', () => {
    const secretish = /PASSWORD|TOKEN|SECRET/;
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (secretish.test(key)) expect(String(value), `${name}: ${key}`).toMatch(/^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$/);
        const userinfo = /\/\/[^/:@\s]+:([^@\s]+)@/.exec(String(value));
        if (userinfo) expect(userinfo[1], `${name}: ${key} password`).toMatch(/^\$\{[^}]+\}$/);
      }
    }
    const example = readFileSync(repoPath('.env.example'), 'utf8');
    for (const { name } of substitutions) expect(example, `.env.example mentions ${name}`).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
    expect(readRepoFile('.gitignore').split('\n').map((l) => l.trim()), '.env is git-ignored').toContain('.env');
  });

  const cli = [['docker', 'compose'], ['docker-compose']].find(([cmd, ...sub]) => spawnSync(cmd!, [...sub, 'version'], { encoding: 'utf8', timeout: 10_000 }).status === 0);
  if (!cli) console.log('docker-compose.yml: neither `docker compose` nor `docker-compose` is installed, so `config -q` is skipped; the parsed checks still run');
  it.skipIf(!cli)(`is valid for ${cli?.join(' ') ?? 'docker compose (skipped: not installed)'} (config -q, with a dummy .env)`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'syncframe-compose-'));
    try {
      const required = [...new Set(substitutions.filter((v) => v.required).map((v) => v.name))];
      writeFileSync(path.join(dir, '.env'), required.map((name) => `${name}=dummy-value-for-config-check`).join('\n'));
      const [cmd, ...sub] = cli!;
      const result = spawnSync(cmd!, [...sub, '--env-file', path.join(dir, '.env'), '-f', COMPOSE_FILE, 'config', '-q'], { cwd: repoPath(), encoding: 'utf8', timeout: 30_000 });
      expect(result.status, result.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
