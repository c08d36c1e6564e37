// The image's HEALTHCHECK: one check that fits whatever SyncFrame command the container runs.
//   worker     GET /livez on SYNCFRAME_HEALTH_PORT (answers while the event loop does)
//   board      GET /healthz on PORT or --port (Redis and the LinkIndex answer)
//   scheduler  it has no HTTP endpoint: a TCP connection to Redis (REDIS_URL) opens
//   otherwise  (migrate, sync, validate, …) healthy while it runs
// Usage: node healthcheck.mjs [command]. Without a command, it is read from PID 1's command line.
// Exit 0 healthy, 1 unhealthy (the reason on stderr). No dependencies: plain Node.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

export const TIMEOUT_MS = 4000;
const DEFAULT_BOARD_PORT = 3000;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The CLI's options that take a value (apps/cli/src/main.ts), to tell them from the command. */
const VALUE_OPTIONS = new Set(['--config', '--job', '--older-than', '--keep', '--port']);

/**
 * The SyncFrame command and its `--port` in a command line (`node …/syncframe.js [options] command`),
 * or null when the line does not run the CLI.
 */
export function commandOf(argv) {
  const script = argv.findIndex((arg) => /(^|\/)syncframe(\.js)?$/.test(arg));
  if (script < 0) return null;
  let command = null;
  let port;
  for (let i = script + 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--port=')) port = arg.slice('--port='.length);
    else if (VALUE_OPTIONS.has(arg)) {
      if (arg === '--port') port = argv[i + 1];
      i++;
    } else if (!arg.startsWith('-') && command === null) command = arg;
  }
  return { command, port };
}

/** What to probe for a command, from the environment the container was started with. */
export function targetOf(command, env, port) {
  if (command === 'worker') {
    const health = Number(env.SYNCFRAME_HEALTH_PORT || 0);
    if (!health) return { kind: 'fail', reason: 'the worker has no health server: set SYNCFRAME_HEALTH_PORT' };
    return { kind: 'http', url: `http://127.0.0.1:${health}/livez` };
  }
  if (command === 'board') {
    return { kind: 'http', url: `http://127.0.0.1:${Number(port || env.PORT || DEFAULT_BOARD_PORT)}/healthz` };
  }
  if (command === 'scheduler') {
    const redis = new URL(env.REDIS_URL || DEFAULT_REDIS_URL);
    return { kind: 'tcp', host: redis.hostname.replace(/^\[|\]$/g, ''), port: Number(redis.port || 6379) };
  }
  return { kind: 'none' };
}

function probeHttp(url) {
  return fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
    (res) => (res.ok ? null : `${url} answered ${res.status}`),
    (err) => `${url}: ${err.cause?.code ?? err.message}`,
  );
}

function probeTcp(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: TIMEOUT_MS });
    const done = (problem) => {
      socket.destroy();
      resolve(problem);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`${host}:${port}: no connection within ${TIMEOUT_MS} ms`));
    socket.once('error', (err) => done(`${host}:${port}: ${err.code ?? err.message}`));
  });
}

/** Resolves to null when healthy, else the reason. */
export async function check(target) {
  if (target.kind === 'http') return probeHttp(target.url);
  if (target.kind === 'tcp') return probeTcp(target.host, target.port);
  if (target.kind === 'fail') return target.reason;
  return null;
}

async function main() {
  const given = process.argv[2];
  const line = given ? { command: given, port: undefined } : commandOf(readFileSync('/proc/1/cmdline', 'utf8').split('\0'));
  const problem = await check(targetOf(line?.command ?? null, process.env, line?.port));
  if (problem) console.error(`unhealthy: ${problem}`);
  process.exit(problem ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
