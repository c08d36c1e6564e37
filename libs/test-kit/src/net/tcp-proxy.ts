import type { Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';

/**
 * A TCP proxy a test controls, between a client and a real server (PostgreSQL, Redis): forwards
 * bytes both ways while up; `cut()` resets every open connection; `refuse()` also stops listening,
 * so new connections are refused (ECONNREFUSED), until `restore()`. What a failover, a restart or a
 * network partition looks like to the client, without touching the real server.
 */
export class TcpProxy {
  #server: Server | null = null;
  readonly #open = new Set<Socket>();
  #port = 0;
  #accepted = 0;

  private constructor(private readonly target: { readonly host: string; readonly port: number }) {}

  /** Starts a proxy to `target` on a free local port. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.#listen(0);
    return proxy;
  }

  /** The proxy's port on 127.0.0.1 (the same after `refuse()` and `restore()`). */
  get port(): number {
    return this.#port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Resets every open connection (clients see ECONNRESET / "Connection terminated"); new ones are still accepted. */
  cut(): void {
    for (const socket of this.#open) socket.resetAndDestroy();
    this.#open.clear();
  }

  /** Cuts every connection and stops listening: new connections are refused until {@link restore}. */
  async refuse(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    this.cut();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restore(): Promise<void> {
    if (!this.#server) await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  #relay(client: Socket): void {
    this.#accepted++;
    const upstream = createConnection(this.target);
    const pair = [client, upstream];
    for (const socket of pair) {
      this.#open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#open.delete(socket);
        for (const other of pair) if (other !== socket && !other.destroyed) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
