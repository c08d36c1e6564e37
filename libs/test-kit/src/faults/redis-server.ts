import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { tempDir } from '../fleet/fleet-harness.js';

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A `redis-server` of the test's own, on a free port, persisting with an append-only file in a
 * directory of its own: `stop()` shuts it down (SIGTERM: it writes its AOF and exits) and `start()`
 * starts it again on the same port with the same data, as a restart of the real server would.
 */
export class RedisServer {
  #proc: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  readonly output: string[] = [];

  private constructor(readonly port: number, readonly dir: string, private readonly binary: string) {}

  /** Starts one and waits until it answers PING. */
  static async start(options: { binary?: string; port?: number; dir?: string } = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? await freePort(), options.dir ?? tempDir(), options.binary ?? process.env.REDIS_SERVER ?? 'redis-server');
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return this.#proc !== null;
  }

  /** Starts the server (again) on its port with its directory; resolves once it answers PING. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.#proc) return;
    const proc = spawn(this.binary, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--save', '', '--protected-mode', 'no',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    this.#proc = proc;
    this.#exited = new Promise<void>((resolve) => proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = null;
      resolve();
    }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.#proc) throw new Error(`redis-server on ${this.port} exited:\n${this.output.slice(-20).join('\n')}`);
      if (await this.ping()) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} does not answer PING:\n${this.output.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Shuts the server down (SIGTERM: it persists its data) and waits until it exited. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(killer);
  }

  /** Whether the server answers PING now. */
  async ping(): Promise<boolean> {
    const client = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}
