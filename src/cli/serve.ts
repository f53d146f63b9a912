// `npn-onboard serve [FUNCTION ...] --data DIR [--port-base N] [--json] [--workers N]`: runs
// network functions in this process, each on its own port (port base + the function's offset; 0
// picks free ports), with SQLite under DIR. With --json, one line announces every endpoint once
// all listen. With --workers N, N processes run them all and share each port, to use N cores.
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { intOption, textOption } from './args.js';
import { prepareDataDir } from './data-dir.js';
import { FUNCTIONS, startNetwork, type Endpoints } from './network.js';
import { CliUsageError } from './usage-error.js';

interface ServeOptions {
  data?: string;
  sqliteSynchronous?: string;
  portBase?: string;
  json?: boolean;
  workers?: string;
  peer?: string[];
  eapSimDb?: string;
}

/** --peer NAME=URL, repeatable: the functions that run elsewhere. */
function parsePeers(values: string[] = []): Endpoints {
  const peers: Endpoints = {};
  for (const value of values) {
    const m = /^([a-z]+)=(https?:\/\/[^\s]+)$/.exec(value);
    if (!m || !FUNCTIONS[m[1]!]) {
      throw new CliUsageError(
        `--peer expects NAME=URL with NAME one of ${Object.keys(FUNCTIONS).join(', ')}, e.g. dcs=http://127.0.0.1:7701`,
      );
    }
    peers[m[1]!] = m[2]!.replace(/\/+$/, '');
  }
  return peers;
}

/** Announces the endpoints: the ready line on stdout with --json, else a line on stderr. */
function announce(endpoints: Endpoints, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ ready: true, endpoints })}\n`);
  else process.stderr.write(`npn-onboard: serving ${JSON.stringify(endpoints)}; Ctrl-C stops\n`);
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * The primary of --workers N: forks the workers one after the other (so the first one alone
 * creates the data directory's secrets and runs the migrations), announces the endpoints once
 * all listen, replaces a worker that dies, and stops them all on SIGINT/SIGTERM.
 */
async function runPrimary(workers: number, json: boolean): Promise<void> {
  let stopping = false;
  let endpoints: Endpoints | undefined;
  const fork = () =>
    new Promise<Endpoints>((resolve, reject) => {
      const worker = cluster.fork();
      worker.on('message', (m: { endpoints?: Endpoints }) => {
        if (m.endpoints) resolve(m.endpoints);
      });
      worker.on('exit', (code, signal) => {
        // A clean exit is a worker stopping on its own Ctrl-C/SIGTERM: not replaced.
        if (stopping || (code === 0 && signal === null)) return;
        if (endpoints === undefined) {
          reject(new CliUsageError(`a worker exited (code ${code}) before it listened`));
          return;
        }
        process.stderr.write(`npn-onboard: a worker exited (code ${code}); starting another\n`);
        void fork().catch(() => undefined);
      });
    });
  const stopAll = async () => {
    stopping = true;
    const all = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((resolve) =>
            w.isDead() ? resolve() : (w.once('exit', () => resolve()), w.kill('SIGTERM')),
          ),
      ),
    );
  };
  try {
    for (let i = 0; i < workers; i++) endpoints = await fork();
  } catch (err) {
    await stopAll();
    throw err;
  }
  announce(endpoints!, json);
  await untilSignal();
  await stopAll();
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
    .option('--workers <n>', 'processes that run the functions and share their ports', '1')
    .option(
      '--peer <name=url...>',
      'where a function this process does not run listens (e.g. dcs=http://10.0.0.2:7701)',
    )
    .option(
      '--eap-sim-db <path>',
      "the UDM also answers hostapd's eap_sim_db (hlr_auc_gw protocol) on this UNIX datagram " +
        "socket: EAP-AKA and EAP-AKA' from its subscriptions (hostapd: eap_sim_db=unix:PATH)",
    )
    .action(async (names: string[], o: ServeOptions) => {
      const dataText = textOption('--data', o.data, 'a data directory');
      const portBase = intOption('--port-base', o.portBase, 0, 65000);
      const workers = intOption('--workers', o.workers, 1, 64);
      const peers = parsePeers(o.peer);
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
      if (o.eapSimDb !== undefined && !selected.includes('udm')) {
        throw new CliUsageError('--eap-sim-db needs the udm in this serve');
      }
      if (o.eapSimDb !== undefined && workers > 1) {
        // One process only can own the socket path.
        throw new CliUsageError('--eap-sim-db runs with --workers 1 only');
      }
      if (workers > 1 && selected.includes('amf')) {
        // Its registrations live in process memory: a UE's next request could reach a worker that
        // never saw its registration.
        throw new CliUsageError(
          '--workers runs stateless functions only; the AMF keeps each registration in memory: ' +
            'run it in its own serve (serve amf --peer ausf=URL) and name the others, e.g. ' +
            'serve dcs udm ps ausf --workers 2',
        );
      }
      // Only once every option checked out: a refused command leaves nothing behind.
      const dataDir = prepareDataDir(dataText);
      if (workers > 1 && cluster.isPrimary) {
        await runPrimary(workers, o.json === true);
        return;
      }
      const network = await startNetwork(dataDir, selected, {
        portBase,
        quiet: o.json === true,
        synchronous,
        peers,
        ...(o.eapSimDb !== undefined ? { eapSimDb: o.eapSimDb } : {}),
        threads: true,
      });
      const { endpoints } = network;
      if (cluster.isWorker) process.send!({ endpoints });
      else announce(endpoints, o.json === true);
      await untilSignal();
      await network.close();
      // The IPC channel to the primary would keep a worker alive.
      if (cluster.isWorker) process.disconnect();
    });
}
