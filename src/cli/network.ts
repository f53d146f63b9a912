// The network functions this build can run, with their port offsets, and how to start a set of
// them from one data directory: used by `serve` (and its workers) and by `demo`.
import { join } from 'node:path';
import { earKeyId } from '../nf/dcs/appraisal.js';
import { createDcs } from '../nf/dcs/dcs.js';
import { ConfigError, loadConfig, snpnIds, type ProvisioningConfig } from '../nf/ps/config.js';
import { createPs } from '../nf/ps/ps.js';
import { createAmf } from '../nf/amf/amf.js';
import { createAusf } from '../nf/ausf/ausf.js';
import { startHlrAucGateway, type HlrAucGateway } from '../nf/udm/hlr-auc-gw.js';
import { createUdm } from '../nf/udm/udm.js';
import { adminToken, keyEncryptionKey, operatorKey, sharedKey, signingKey } from './data-dir.js';
import { FunctionThread } from './function-thread.js';
import { DCS_EAR_SIGNING_KEY, UDM_TRANSPORT_KEY } from './init.js';
import { CliUsageError } from './usage-error.js';

export type Endpoints = Record<string, string>;

export interface RunningFunction {
  url: string;
  close(): Promise<void>;
}

/** What a function needs to start, apart from the deployment file: plain data, for a thread. */
export interface StartSettings {
  dataDir: string;
  port: number;
  /** no request logs (stdout carries the ready line, or the demo draws on the terminal) */
  quiet: boolean;
  synchronous: 'FULL' | 'NORMAL';
  /** the endpoints of the functions started before this one */
  endpoints: Endpoints;
  /** where the peers that do not run in this process are (serve --peer NAME=URL) */
  peers: Endpoints;
  /** serve --eap-sim-db: the UDM also answers hostapd's eap_sim_db on this UNIX datagram socket */
  eapSimDb?: string;
  /** the network runs from the build with threads: the PS encrypts bundles on a thread too */
  threads: boolean;
}

interface StartContext extends StartSettings {
  /** DIR/npn-onboard.yaml, read once for every function that needs it (once per thread) */
  deployment(): ProvisioningConfig;
}

/** A peer's base URL: in this process, else given with --peer. */
function peer(ctx: StartContext, self: string, name: string): string {
  const url = ctx.endpoints[name] ?? ctx.peers[name];
  if (url === undefined) {
    throw new CliUsageError(
      `${self} needs the ${name}: run both in one serve, or pass --peer ${name}=http://HOST:PORT`,
    );
  }
  return url;
}

/** DIR/npn-onboard.yaml: the PS's policy, and the SNPNs the network serves. */
export function loadDeployment(dataDir: string): ProvisioningConfig {
  try {
    return loadConfig(dataDir);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliUsageError(err.message);
    throw err;
  }
}

function sqlite(ctx: StartContext) {
  return {
    kind: 'sqlite' as const,
    dataDir: join(ctx.dataDir, 'db'),
    synchronous: ctx.synchronous,
  };
}

type Starter = (ctx: StartContext) => Promise<RunningFunction>;

/**
 * The functions, in the order they start (a function's peers start before it). `back`: a function
 * that the UE-facing ones (PS, AMF) call; a process that runs both kinds gives these a thread of
 * their own (see startNetwork).
 */
export const FUNCTIONS: Record<string, { offset: number; back?: true; start: Starter }> = {
  dcs: {
    offset: 1,
    back: true,
    async start(ctx) {
      const privateJwk = signingKey(ctx.dataDir, DCS_EAR_SIGNING_KEY);
      const dcs = await createDcs({
        earSigningKey: { privateJwk, kid: await earKeyId(privateJwk) },
        store: sqlite(ctx),
        kek: keyEncryptionKey(ctx.dataDir),
        adminToken: adminToken(ctx.dataDir),
        // With --json, stdout carries the ready line only; logs go to stderr at warn level.
        logger: ctx.quiet ? false : { level: 'info' },
      });
      const address = await dcs.app.listen({ host: '127.0.0.1', port: ctx.port });
      return { url: address, close: () => dcs.close() };
    },
  },
  udm: {
    offset: 2,
    back: true,
    async start(ctx) {
      const udm = await createUdm({
        store: sqlite(ctx),
        kek: keyEncryptionKey(ctx.dataDir),
        adminToken: adminToken(ctx.dataDir),
        transportKey: sharedKey(ctx.dataDir, UDM_TRANSPORT_KEY),
        servingNetworks: snpnIds(ctx.deployment()),
        logger: ctx.quiet ? false : { level: 'info' },
      });
      let gateway: HlrAucGateway | undefined;
      try {
        const address = await udm.app.listen({ host: '127.0.0.1', port: ctx.port });
        if (ctx.eapSimDb !== undefined) {
          try {
            gateway = await startHlrAucGateway({
              path: ctx.eapSimDb,
              authVectors: udm.authVectors,
              logger: udm.app.log,
            });
          } catch (err) {
            throw new CliUsageError(`--eap-sim-db: ${(err as Error).message}`);
          }
        }
        return {
          url: address,
          async close() {
            // before the store closes under it
            await gateway?.close();
            await udm.close();
          },
        };
      } catch (err) {
        await udm.close();
        throw err;
      }
    },
  },
  ps: {
    offset: 0,
    async start(ctx) {
      const provisioning = ctx.deployment();
      const ps = await createPs({
        store: sqlite(ctx),
        kek: keyEncryptionKey(ctx.dataDir),
        adminToken: adminToken(ctx.dataDir),
        op: operatorKey(ctx.dataDir),
        provisioning,
        dcs: { baseUrl: peer(ctx, 'ps', 'dcs') },
        udm: {
          baseUrl: peer(ctx, 'ps', 'udm'),
          transportKey: sharedKey(ctx.dataDir, UDM_TRANSPORT_KEY),
        },
        logger: ctx.quiet ? false : { level: 'info' },
        bundleThread: ctx.threads,
      });
      const address = await ps.app.listen({ host: '127.0.0.1', port: ctx.port });
      return { url: address, close: () => ps.close() };
    },
  },
  ausf: {
    offset: 3,
    back: true,
    async start(ctx) {
      const ausf = await createAusf({
        store: sqlite(ctx),
        kek: keyEncryptionKey(ctx.dataDir),
        adminToken: adminToken(ctx.dataDir),
        udm: { baseUrl: peer(ctx, 'ausf', 'udm'), bearerToken: adminToken(ctx.dataDir) },
        logger: ctx.quiet ? false : { level: 'info' },
      });
      const address = await ausf.app.listen({ host: '127.0.0.1', port: ctx.port });
      return { url: address, close: () => ausf.close() };
    },
  },
  amf: {
    offset: 4,
    async start(ctx) {
      const amf = await createAmf({
        ausf: { baseUrl: peer(ctx, 'amf', 'ausf'), bearerToken: adminToken(ctx.dataDir) },
        snpns: snpnIds(ctx.deployment()),
        logger: ctx.quiet ? false : { level: 'info' },
      });
      const address = await amf.app.listen({ host: '127.0.0.1', port: ctx.port });
      return { url: address, close: () => amf.close() };
    },
  },
};

export interface Network {
  endpoints: Endpoints;
  close(): Promise<void>;
}

/**
 * Starts the named functions (in registry order); on failure, stops those already started.
 *
 * With `threads`, a process that runs UE-facing functions (PS, AMF) and functions they call
 * (DCS, UDM, AUSF) runs the latter on a second thread (function-thread.ts): two event loops, so
 * one process uses two cores (bench/onboarding: about an eighth more onboardings per second on
 * 2 cores). One thread for all of them, not one each: every thread loads its own copy of the
 * modules and compiles its own code, which costs more start-up time and CPU than it gives back on
 * this machine. Threads need the build (dist/); tests that import the sources run every function
 * on the calling thread.
 */
export async function startNetwork(
  dataDir: string,
  names: string[],
  options: {
    portBase: number;
    quiet: boolean;
    synchronous: 'FULL' | 'NORMAL';
    peers?: Endpoints;
    /** the UDM also answers hostapd's eap_sim_db on this UNIX datagram socket */
    eapSimDb?: string;
    /** the functions others call run on a second thread (needs the build, dist/) */
    threads?: boolean;
  },
): Promise<Network> {
  const selected = Object.keys(FUNCTIONS).filter((n) => names.includes(n));
  const back = selected.filter((n) => FUNCTIONS[n]!.back);
  // The eap_sim_db socket's addon polls on the main thread's event loop only (unix-dgram.ts):
  // a UDM that answers hostapd stays on the main thread.
  const thread =
    options.threads &&
    options.eapSimDb === undefined &&
    back.length > 0 &&
    back.length < selected.length
      ? new FunctionThread()
      : undefined;
  const running: RunningFunction[] = [];
  const endpoints: Endpoints = {};
  const close = async () => {
    try {
      for (const r of running.reverse()) await r.close();
    } finally {
      await thread?.end();
    }
  };
  let config: ProvisioningConfig | undefined;
  const deployment = () => (config ??= loadDeployment(dataDir));
  try {
    for (const name of selected) {
      const fn = FUNCTIONS[name]!;
      const settings: StartSettings = {
        dataDir,
        port: options.portBase === 0 ? 0 : options.portBase + fn.offset,
        quiet: options.quiet,
        synchronous: options.synchronous,
        endpoints: { ...endpoints },
        peers: options.peers ?? {},
        ...(options.eapSimDb !== undefined ? { eapSimDb: options.eapSimDb } : {}),
        threads: options.threads === true,
      };
      const r =
        thread && fn.back
          ? await thread.start(name, settings)
          : await fn.start({ ...settings, deployment });
      running.push(r);
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
