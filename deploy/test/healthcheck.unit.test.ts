/**
 * deploy/docker/healthcheck.mjs, the image's HEALTHCHECK: which command a container runs, what it
 * probes for it, and its exit codes against real local servers.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './code-facts.js';

type Target = { kind: 'http'; url: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'fail'; reason: string } | { kind: 'none' };
interface HealthcheckModule {
  commandOf(argv: string[]): { command: string | null; port: string | undefined } | null;
  targetOf(command: string | null, env: Record<string, string | undefined>, port?: string): Target;
  check(target: Target): Promise<string | null>;
}

const SCRIPT = repoPath('deploy/docker/healthcheck.mjs');
const run = promisify(execFile);
let hc: HealthcheckModule;
let server: Server;
let port: number;
let status = 200;

beforeAll(async () => {
  hc = (await import(pathToFileURL(SCRIPT).href)) as HealthcheckModule;
  server = createServer((req, res) => res.writeHead(['/livez', '/healthz'].includes(req.url ?? '') ? status : 404).end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function closedPort(): Promise<number> {
  const probe = createTcpServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const free = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

describe('healthcheck.mjs', () => {
  it('reads the command from PID 1\'s command line, options and tini included', () => {
    expect(hc.commandOf(['node', '/app/apps/cli/bin/syncframe.js', 'worker'])).toEqual({ command: 'worker', port: undefined });
    expect(hc.commandOf(['/sbin/docker-init', '--', 'node', '/app/apps/cli/bin/syncframe.js', '--config', '/c/jobs.jsonc', 'board', '--port', '4000']))
      .toEqual({ command: 'board', port: '4000' });
    expect(hc.commandOf(['node', '/app/apps/cli/bin/syncframe.js', 'board', '--port=4001'])).toEqual({ command: 'board', port: '4001' });
    expect(hc.commandOf(['node', 'server.js'])).toBeNull();
  });

  it('probes each process where it answers', () => {
    expect(hc.targetOf('worker', { SYNCFRAME_HEALTH_PORT: '8080' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080/livez' });
    expect(hc.targetOf('worker', {}).kind).toBe('fail');
    expect(hc.targetOf('board', {})).toEqual({ kind: 'http', url: 'http://127.0.0.1:3000/healthz' });
    expect(hc.targetOf('board', { PORT: '3100' }, '4000')).toEqual({ kind: 'http', url: 'http://127.0.0.1:4000/healthz' });
    expect(hc.targetOf('scheduler', { REDIS_URL: 'redis://:secret@redis:6380/2' })).toEqual({ kind: 'tcp', host: 'redis', port: 6380 });
    expect(hc.targetOf('migrate', {})).toEqual({ kind: 'none' });
  });

  it('says healthy or why not', async () => {
    status = 200;
    expect(await hc.check({ kind: 'http', url: `http://127.0.0.1:${port}/livez` })).toBeNull();
    status = 503;
    expect(await hc.check({ kind: 'http', url: `http://127.0.0.1:${port}/healthz` })).toMatch(/503/);
    expect(await hc.check({ kind: 'tcp', host: '127.0.0.1', port })).toBeNull();
    expect(await hc.check({ kind: 'tcp', host: '127.0.0.1', port: await closedPort() })).toMatch(/ECONNREFUSED/);
  });

  it('run as the HEALTHCHECK, exits 1 with the reason when unhealthy', async () => {
    status = 503;
    const failed = await run(process.execPath, [SCRIPT, 'board'], { env: { PORT: String(port) } }).then(() => null, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/unhealthy: .*\/healthz answered 503/);
  });
});
