// The network functions this build can run, with their port offsets, and how to start a set of
// them from one data directory: used by `serve` (and its workers) and by `demo`.
import { join } from 'node:path';
import { earKeyId } from '../nf/dcs/appraisal.js';
import { createDcs } from '../nf/dcs/dcs.js';
import { adminToken, keyEncryptionKey, signingKey } from './data-dir.js';
import { CliUsageError } from './usage-error.js';

export type Endpoints = Record<string, string>;

interface RunningFunction {
  url: string;
  close(): Promise<void>;
}

interface StartContext {
  dataDir: string;
  port: number;
  /** no request logs (stdout carries the ready line, or the demo draws on the terminal) */
  quiet: boolean;
  synchronous: 'FULL' | 'NORMAL';
  /** the endpoints of the functions started before this one */
  endpoints: Endpoints;
}

type Starter = (ctx: StartContext) => Promise<RunningFunction>;

/** The functions, in the order they start (a function's peers start before it). */
export const FUNCTIONS: Record<string, { offset: number; start: Starter }> = {
  dcs: {
    offset: 1,
    async start({ dataDir, port, quiet, synchronous }) {
      const privateJwk = signingKey(dataDir, 'dcs-ear-signing-key');
      const dcs = await createDcs({
        earSigningKey: { privateJwk, kid: await earKeyId(privateJwk) },
        store: { kind: 'sqlite', dataDir: join(dataDir, 'db'), synchronous },
        kek: keyEncryptionKey(dataDir),
        adminToken: adminToken(dataDir),
        // With --json, stdout carries the ready line only; logs go to stderr at warn level.
        logger: quiet ? false : { level: 'info' },
      });
      const address = await dcs.app.listen({ host: '127.0.0.1', port });
      return { url: address, close: () => dcs.close() };
    },
  },
};

export interface Network {
  endpoints: Endpoints;
  close(): Promise<void>;
}

/** Starts the named functions (in registry order); on failure, stops those already started. */
export async function startNetwork(
  dataDir: string,
  names: string[],
  options: { portBase: number; quiet: boolean; synchronous: 'FULL' | 'NORMAL' },
): Promise<Network> {
  const running: [string, RunningFunction][] = [];
  const endpoints: Endpoints = {};
  const close = async () => {
    for (const [, r] of running.reverse()) await r.close();
  };
  try {
    for (const name of Object.keys(FUNCTIONS).filter((n) => names.includes(n))) {
      const fn = FUNCTIONS[name]!;
      const port = options.portBase === 0 ? 0 : options.portBase + fn.offset;
      const r = await fn.start({
        dataDir,
        port,
        quiet: options.quiet,
        synchronous: options.synchronous,
        endpoints,
      });
      running.push([name, r]);
      endpoints[name] = r.url;
    }
  } catch (err) {
    await close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliUsageError('a port is in use: choose another --port-base (or 0 for free ports)');
    }
    throw err;
  }
  return { endpoints, close };
}
