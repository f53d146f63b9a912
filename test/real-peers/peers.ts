// Real third-party EAP software for the tests: hostapd (Debian's, 2.10) as the RADIUS/EAP server
// with eap_sim_db pointed at our HLR/AuC gateway, and eapol_test (wpa_supplicant's test peer) with
// external_sim=1, whose USIM is our UE agent. Each runs in the foreground, its output in a log
// file, and is killed by stop() (the tests call it in afterAll, whatever happened).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { attachExternalSim, type ExternalSimAnswer } from '../../src/ue/external-sim.js';
import type { Usim } from '../../src/ue/usim.js';

/** The absolute path of an executable on PATH or in the sbin directories root's PATH has. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A UDP port nothing listens on right now (hostapd binds it on every address). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export interface RunningProcess {
  readonly process: ChildProcess;
  /** its output so far */
  log(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves once it has exited */
  stop(): Promise<void>;
}

function run(command: string, args: string[], logPath: string): RunningProcess {
  const out = openSync(logPath, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    process: child,
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}

async function waitForLog(p: RunningProcess, pattern: RegExp, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pattern.test(p.log())) return;
    if (p.process.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${what} did not start:\n${p.log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const RADIUS_SECRET = 'npn-onboard-real-peer-test';

/**
 * hostapd as a RADIUS server running EAP-AKA (identities "0<IMSI>...") and EAP-AKA'
 * ("6<IMSI>..."), its authentication vectors from the HLR/AuC gateway at `eapSimDb`.
 */
export async function startHostapd(options: {
  binary: string;
  dir: string;
  port: number;
  eapSimDb: string;
}): Promise<RunningProcess> {
  const { dir } = options;
  writeFileSync(join(dir, 'radius_clients'), `127.0.0.1/32 ${RADIUS_SECRET}\n`);
  writeFileSync(join(dir, 'eap_users'), '"0"*\tAKA\n"6"*\tAKA\'\n');
  writeFileSync(
    join(dir, 'hostapd.conf'),
    [
      // No radio: hostapd is only the authentication server here.
      'driver=none',
      'interface=npnas0',
      'logger_stdout=-1',
      'logger_stdout_level=0',
      `radius_server_clients=${join(dir, 'radius_clients')}`,
      `radius_server_auth_port=${options.port}`,
      'eap_server=1',
      `eap_user_file=${join(dir, 'eap_users')}`,
      `eap_sim_db=unix:${options.eapSimDb}`,
      '',
    ].join('\n'),
  );
  const p = run(options.binary, ['-d', join(dir, 'hostapd.conf')], join(dir, 'hostapd.log'));
  await waitForLog(p, /AP-ENABLED/, 'hostapd');
  return p;
}

export interface EapolTestResult {
  /** eapol_test's exit code: 0 on SUCCESS */
  code: number | null;
  /** its last line: SUCCESS or FAILURE */
  verdict: string;
  /** what the UE agent answered, in order */
  answers: readonly ExternalSimAnswer[];
  /** the EAP events the agent saw */
  events: string[];
  log: string;
}

/**
 * One EAP-AKA' authentication: eapol_test (-W: waits for the agent to attach) against hostapd,
 * the UE agent answering its USIM requests.
 */
export async function runEapolTest(options: {
  binary: string;
  dir: string;
  /** a name for this run's files */
  name: string;
  port: number;
  identity: string;
  usim: Pick<Usim, 'authenticate'>;
}): Promise<EapolTestResult> {
  const ctrlDir = join(options.dir, `ctrl-${options.name}`);
  const confPath = join(options.dir, `${options.name}.conf`);
  writeFileSync(
    confPath,
    [
      `ctrl_interface=${ctrlDir}`,
      'external_sim=1',
      'network={',
      '  key_mgmt=WPA-EAP',
      "  eap=AKA'",
      `  identity="${options.identity}"`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-c', confPath, '-a', '127.0.0.1', '-p', String(options.port)];
  args.push('-s', RADIUS_SECRET, '-t', '10', '-W');
  const p = run(options.binary, args, join(options.dir, `${options.name}.log`));
  const exited = new Promise<number | null>((resolve) => {
    if (p.process.exitCode !== null) resolve(p.process.exitCode);
    p.process.once('exit', (code) => resolve(code));
  });
  const events: string[] = [];
  let sim;
  try {
    // eapol_test names its interface "test": its control socket is <ctrl_interface>/test.
    sim = await attachExternalSim({
      ctrlPath: join(ctrlDir, 'test'),
      usim: options.usim,
      onEvent: (e) => events.push(e),
    });
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`eapol_test did not finish:\n${p.log()}`)), 15_000),
      ),
    ]);
    const lines = p.log().trimEnd().split('\n');
    return {
      code,
      verdict: lines[lines.length - 1] ?? '',
      answers: sim.answers,
      events,
      log: p.log(),
    };
  } finally {
    await sim?.close();
    await p.stop();
  }
}
