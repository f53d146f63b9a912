// `npn-onboard serve [FUNCTION ...] --data DIR [--port-base N] [--json]`: runs network functions
// in this process, each on its own port (port base + the function's offset; 0 picks free ports),
// with SQLite under DIR. With --json, one line announces every endpoint once all listen.
import type { Command } from 'commander';
import { join } from 'node:path';
import { createDcs } from '../nf/dcs/dcs.js';
import { intOption, textOption } from './args.js';
import { earKeyId } from '../nf/dcs/appraisal.js';
import { adminToken, keyEncryptionKey, prepareDataDir, signingKey } from './data-dir.js';
import { CliUsageError } from './usage-error.js';

interface RunningFunction {
  url: string;
  close(): Promise<void>;
}

type Starter = (ctx: {
  dataDir: string;
  port: number;
  json: boolean;
  synchronous: 'FULL' | 'NORMAL';
}) => Promise<RunningFunction>;

/** The functions `serve` can run, with their port offsets. */
const FUNCTIONS: Record<string, { offset: number; start: Starter }> = {
  dcs: {
    offset: 1,
    async start({ dataDir, port, json, synchronous }) {
      const privateJwk = signingKey(dataDir, 'dcs-ear-signing-key');
      const dcs = await createDcs({
        earSigningKey: { privateJwk, kid: await earKeyId(privateJwk) },
        store: { kind: 'sqlite', dataDir: join(dataDir, 'db'), synchronous },
        kek: keyEncryptionKey(dataDir),
        adminToken: adminToken(dataDir),
        // With --json, stdout carries the ready line only; logs go to stderr at warn level.
        logger: json ? false : { level: 'info' },
      });
      const address = await dcs.app.listen({ host: '127.0.0.1', port });
      return { url: address, close: () => dcs.close() };
    },
  },
};

interface ServeOptions {
  data?: string;
  sqliteSynchronous?: string;
  portBase?: string;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(`run network functions (${Object.keys(FUNCTIONS).join(', ')}; all by default)`)
    .argument('[functions...]', 'functions to run')
    .option('--data <dir>', 'data directory (SQLite files, keys, admin token)')
    .option(
      '--port-base <n>',
      'first port; each function listens on base + its offset (0: free ports)',
      '7700',
    )
    .option(
      '--sqlite-synchronous <mode>',
      'FULL: every commit survives power loss; NORMAL: survives a process crash, faster',
      'FULL',
    )
    .option('--json', 'print one JSON line with the endpoints once every function listens')
    .action(async (names: string[], o: ServeOptions) => {
      const dataDir = prepareDataDir(textOption('--data', o.data, 'a data directory'));
      const portBase = intOption('--port-base', o.portBase, 0, 65000);
      const synchronous = textOption('--sqlite-synchronous', o.sqliteSynchronous, 'FULL or NORMAL');
      if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
        throw new CliUsageError('--sqlite-synchronous expects FULL or NORMAL');
      }
      const selected = names.length > 0 ? names : Object.keys(FUNCTIONS);
      for (const name of selected) {
        if (!FUNCTIONS[name]) {
          throw new CliUsageError(
            `unknown function "${name}"; expected one of ${Object.keys(FUNCTIONS).join(', ')}`,
          );
        }
      }
      const running: Record<string, RunningFunction> = {};
      try {
        for (const name of selected) {
          const port = portBase === 0 ? 0 : portBase + FUNCTIONS[name]!.offset;
          running[name] = await FUNCTIONS[name]!.start({
            dataDir,
            port,
            json: o.json === true,
            synchronous,
          });
        }
      } catch (err) {
        await Promise.all(Object.values(running).map((r) => r.close()));
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new CliUsageError(
            'a port is in use: choose another --port-base (or 0 for free ports)',
          );
        }
        throw err;
      }
      const endpoints = Object.fromEntries(Object.entries(running).map(([n, r]) => [n, r.url]));
      if (o.json) process.stdout.write(`${JSON.stringify({ ready: true, endpoints })}\n`);
      else
        process.stderr.write(`npn-onboard: serving ${JSON.stringify(endpoints)}; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await Promise.all(Object.values(running).map((r) => r.close()));
    });
}
