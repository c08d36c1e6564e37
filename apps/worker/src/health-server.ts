import { createServer } from 'node:http';
import type { Server } from 'node:http';

export interface HealthChecks {
  /** Ready to take runs: not closing, Redis connected. */
  ready(): boolean;
}

/**
 * Kubernetes probes. `/livez` answers whenever the event loop does and checks nothing else, so a
 * Redis blip never restarts the fleet; `/readyz` says whether this worker takes runs.
 */
export async function startHealthServer(port: number, checks: HealthChecks): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else if (path === '/readyz') {
      const ready = checks.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
