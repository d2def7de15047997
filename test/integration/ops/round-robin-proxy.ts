import { createServer, request, type Server } from 'node:http';

/**
 * A round-robin HTTP proxy on 127.0.0.1, standing in for the load balancer operators put in front
 * of several `kyso serve` processes. It forwards each request to the next instance as is; an
 * instance that cannot be reached answers 502, which the caller counts like any other 5xx.
 */
export interface RoundRobinProxy {
  readonly url: string;
  readonly port: number;
  /** Requests forwarded to each instance, in the order of `targets`. */
  readonly forwarded: number[];
  setTargets(urls: readonly string[]): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let targets: URL[] = [];
  let next = 0;
  const forwarded: number[] = [];
  const server: Server = createServer((req, res) => {
    if (targets.length === 0) {
      res.writeHead(503).end('no instance');
      return;
    }
    // per request, not per connection: a kept-alive client connection still goes round the instances
    const i = next++ % targets.length;
    forwarded[i] = (forwarded[i] ?? 0) + 1;
    const t = targets[i]!;
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('instance unreachable');
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    forwarded,
    setTargets(urls) {
      targets = urls.map((u) => new URL(u));
      forwarded.length = 0;
      forwarded.push(...urls.map(() => 0));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
