// The service as `kyso serve` wires it, started in the bench's own process on a fresh SQLite data
// directory with a random master key and no background timers (audit checkpoints, self-checks;
// SQLite's checkpoint thread does run, as in `kyso serve`), so the benches that measure requests
// through HTTP share one start-up and one clean-up.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

/** → { ctx, pki, wired, adminToken, server, close() }; `name` names the temporary data directory. */
export async function startInProcessService(name) {
  const { loadConfig } = await dist('config/load-config.js');
  const { openContext } = await dist('app/context.js');
  const { createPki } = await dist('app/pki.js');
  const { initialise } = await dist('app/init.js');
  const { wireServices } = await dist('app/services.js');
  const { startServer } = await dist('app/server.js');
  const dir = mkdtempSync(join(tmpdir(), `kyso-${name}-bench-`));
  let ctx;
  let server;
  const close = async () => {
    await server?.close();
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // a known port, so that the public URL (lookup links, AIA/CRL addresses) points at this server
    const port = await freePort();
    const config = loadConfig({
      env: {
        KYSO_DATA: dir,
        KYSO_LOG_LEVEL: 'silent',
        KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
        PORT: String(port),
        KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
    });
    const { SERVICE_WAL_CHECKPOINT_MS } = await dist('store/index.js');
    ctx = await openContext(config, { create: true, walCheckpointIntervalMs: SERVICE_WAL_CHECKPOINT_MS });
    const pki = createPki(ctx);
    const { adminToken } = await initialise(ctx, pki);
    const wired = await wireServices(ctx, { pki, schedule: false });
    server = await startServer(ctx, { services: wired.http, health: wired.health, timers: wired.timers });
    return { ctx, pki, wired, adminToken, server, close };
  } catch (err) {
    await close();
    throw err;
  }
}
