import type { Command } from 'commander';
import { configFor, dataOption, type CliIo, type ExitState } from '../io.js';

function printAdminToken(io: CliIo, token: string | undefined): void {
  if (!token) return;
  io.stdout(
    `\nAdmin API token (shown ONCE, only its hash is stored; keep it safe):\n  ${token}\n` +
      `Use it as "Authorization: Bearer <token>". Create more with "kyso token create --role ROLE".\n\n`,
  );
}

export function registerSystemCommands(program: Command, io: CliIo, state: ExitState): void {
  dataOption(program.command('init'))
    .description('create the data directory, database, master key, CA hierarchy and the first admin token')
    .option('--public-url <url>', 'public base URL written into certificates and QR codes (env KYSO_PUBLIC_URL; kept for later starts)')
    .option(
      '--key-store <where>',
      'where the CA keys are generated: encrypted (default) or a PKCS#11 token, pkcs11:token=LABEL (env KYSO_KEY_STORE; module and PIN from KYSO_PKCS11_MODULE, KYSO_PKCS11_PIN)',
    )
    .action(async (flags: { data?: string; publicUrl?: string; keyStore?: string }) => {
      // the flag wins over the environment and the config file, as every flag does
      const config = configFor(flags.keyStore ? { ...io, env: { ...io.env, KYSO_KEY_STORE: flags.keyStore } } : io, flags);
      const { openContext } = await import('../../app/context.js');
      const { initialise } = await import('../../app/init.js');
      const { loopbackNotice } = await import('../../config/public-url.js');
      const ctx = await openContext(config, { create: true });
      try {
        const r = await initialise(ctx);
        io.stdout(`kyso data directory: ${config.dataDir}\n`);
        io.stdout(`public URL: ${config.publicUrl}\n`);
        if (config.publicUrlIsLoopback) io.stdout(`  ${loopbackNotice(config.publicUrl)}\n`);
        if (config.keyStore.kind === 'pkcs11') io.stdout(`CA keys: on the PKCS#11 token ${config.keyStore.token}\n`);
        for (const ca of r.cas) io.stdout(`  CA ${ca.id.padEnd(20)} ${ca.created ? 'created ' : 'present '} ${ca.subject}\n`);
        printAdminToken(io, r.adminToken);
      } finally {
        await ctx.close();
      }
    });

  dataOption(program.command('serve'))
    .description('run the HTTP service (what `npm start` runs)')
    .option('--port <n>', 'TCP port (env PORT, default 3000)')
    .option('--host <addr>', 'interface to listen on (env KYSO_HOST, default 127.0.0.1)')
    .action(async (flags: { data?: string; port?: string; host?: string }) => {
      const config = configFor(io, flags);
      const { openContext } = await import('../../app/context.js');
      const { initialise } = await import('../../app/init.js');
      const { startServer } = await import('../../app/server.js');
      const { wireServices } = await import('../../app/services.js');
      const { createPki } = await import('../../app/pki.js');
      const { loopbackNotice } = await import('../../config/public-url.js');
      const { SERVICE_WAL_CHECKPOINT_MS } = await import('../../store/index.js');
      const ctx = await openContext(config, { create: true, walCheckpointIntervalMs: SERVICE_WAL_CHECKPOINT_MS });
      let server: Awaited<ReturnType<typeof startServer>> | undefined;
      try {
        const pki = createPki(ctx);
        const r = await initialise(ctx, pki);
        const wired = await wireServices(ctx, { pki, schedule: true });
        server = await startServer(ctx, {
          ...(flags.host ? { host: flags.host } : {}),
          services: wired.http,
          health: wired.health,
          timers: wired.timers,
        });
        ctx.log.info('listening', { url: server.url, dataDir: config.dataDir, database: ctx.store.dialect, publicUrl: config.publicUrl });
        io.stdout(`kyso listening on ${server.url} (${config.environment}; public URL ${config.publicUrl})\n`);
        if (config.publicUrlIsLoopback) {
          ctx.log.warn('loopback public URL', { publicUrl: config.publicUrl });
          io.stdout(`  ${loopbackNotice(config.publicUrl)}\n`);
        }
        printAdminToken(io, r.adminToken);
      } catch (e) {
        await server?.close();
        await ctx.close();
        throw e;
      }
      const running = server;
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          ctx.log.info('shutting down', { signal });
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          void running
            .close()
            .then(() => ctx.close())
            .then(resolve, resolve);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
      state.code = 0;
    });

  const config = program.command('config').description('configuration helpers');
  config
    .command('docs')
    .description('print docs/config.md (every option, its environment variable and default)')
    .action(async () => io.stdout((await import('../../config/options.js')).renderConfigMarkdown()));
  dataOption(config.command('show'))
    .description('print the effective configuration as JSON (secrets hidden)')
    .action(async (flags: { data?: string }) => {
      const { describeConfig } = await import('../../config/load-config.js');
      io.stdout(JSON.stringify(describeConfig(configFor(io, flags)), null, 2) + '\n');
    });
}
