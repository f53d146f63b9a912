// The UE agent as the external SIM of wpa_supplicant (or eapol_test): with `external_sim=1`
// wpa_supplicant runs EAP-AKA and EAP-AKA' itself but leaves the USIM's part to whoever listens
// on its control interface. It emits
//   CTRL-REQ-SIM-<id>:UMTS-AUTH:<RAND>:<AUTN>
// and this agent answers with the device's USIM (its delivered K, OPc and persisted SQN array):
//   CTRL-RSP-SIM-<id>:UMTS-AUTH:<IK>:<CK>:<RES>   the challenge is genuine and fresh
//   CTRL-RSP-SIM-<id>:UMTS-AUTS:<AUTS>            genuine, but the SQN is not acceptable
//   CTRL-RSP-SIM-<id>:UMTS-FAIL                   AUTN was not made with this K (MAC failure)
// The control interface is a UNIX datagram socket (ctrl_interface=DIR makes DIR/<ifname>); the
// agent binds its own socket in a private directory so wpa_supplicant can answer and send events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialBundle } from '../lib/onboarding/credential-bundle.js';
import { UnixDatagramSocket, UnixDgramError } from '../sbi/unix-dgram.js';
import { FileCredentialStore } from './credential-store.js';
import { KeyStoreError } from './software-key-store.js';
import { Usim, type UsimResult } from './usim.js';

/** The log calls the agent makes (pino's loggers fit). */
export interface ExternalSimLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What one answered challenge was (no key material). */
export type ExternalSimAnswer = 'UMTS-AUTH' | 'UMTS-AUTS' | 'UMTS-FAIL' | 'GSM-FAIL';

export interface ExternalSimOptions {
  /** wpa_supplicant's control socket: <ctrl_interface DIR>/<ifname> ("test" for eapol_test) */
  ctrlPath: string;
  /** the device's USIM (see usimOfDevice) */
  usim: Pick<Usim, 'authenticate'>;
  /** how long to keep trying ATTACH while wpa_supplicant starts (default 5000 ms) */
  attachTimeoutMs?: number;
  logger?: ExternalSimLogger;
  /** every event line wpa_supplicant sends (CTRL-EVENT-EAP-SUCCESS, ...), level prefix removed */
  onEvent?: (event: string) => void;
}

export interface ExternalSim {
  /** the answers given so far, in order */
  readonly answers: readonly ExternalSimAnswer[];
  /** Detaches from wpa_supplicant (if it is still there) and removes the agent's socket. */
  close(): Promise<void>;
}

export class ExternalSimError extends Error {
  override readonly name = 'ExternalSimError';
}

const REQ_SIM = /^CTRL-REQ-SIM-(\d{1,10}):([A-Z]+-AUTH)(?::(\S*))?(?:\s|$)/;
const HEX32 = /^[0-9A-Fa-f]{32}$/;
const COMMAND_TIMEOUT_MS = 2000;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The device's USIM: its stored credentials and the SQN array saved beside them. */
export function usimOfDevice(deviceDir: string): { usim: Usim; bundle: CredentialBundle } {
  const store = new FileCredentialStore(deviceDir);
  const stored = store.load();
  if (stored === undefined) {
    throw new KeyStoreError(`${store.path} does not exist: onboard the device first`);
  }
  return { usim: Usim.fromBundle(stored.bundle, store), bundle: stored.bundle };
}

/**
 * The permanent identity EAP-AKA (prefix 0) or EAP-AKA' (prefix 6) peers use for an IMSI SUPI
 * (RFC 4187 4.1.1.6, RFC 9048 3.1): prefix, IMSI, and the realm of TS 23.003 14.2,
 * wlan.mnc<MNC>.mcc<MCC>.3gppnetwork.org, from the SNPN's PLMN ID.
 */
export function permanentIdentity(bundle: CredentialBundle, method: 'AKA' | "AKA'"): string {
  const m = /^imsi-([0-9]{5,15})$/.exec(bundle.supi);
  if (!m) {
    throw new ExternalSimError(`${bundle.supi} is not an IMSI SUPI: eap_sim_db knows IMSIs only`);
  }
  const mnc = bundle.snpn.mnc.padStart(3, '0');
  const realm = `wlan.mnc${mnc}.mcc${bundle.snpn.mcc}.3gppnetwork.org`;
  return `${method === 'AKA' ? '0' : '6'}${m[1]}@${realm}`;
}

/** The answer of the USIM's verdict, in wpa_supplicant's words. */
function umtsAnswer(result: UsimResult): { kind: ExternalSimAnswer; value: string } {
  switch (result.result) {
    case 'ok':
      return {
        kind: 'UMTS-AUTH',
        value: `UMTS-AUTH:${hex(result.ik)}:${hex(result.ck)}:${hex(result.res)}`,
      };
    case 'sync_failure':
      return { kind: 'UMTS-AUTS', value: `UMTS-AUTS:${hex(result.auts)}` };
    case 'mac_failure':
      return { kind: 'UMTS-FAIL', value: 'UMTS-FAIL' };
  }
}

/**
 * Attaches to wpa_supplicant's control interface as its external SIM and answers its USIM
 * requests until closed. Resolves once ATTACH is acknowledged (eapol_test -W starts then).
 */
export async function attachExternalSim(options: ExternalSimOptions): Promise<ExternalSim> {
  const { usim, logger } = options;
  const dir = mkdtempSync(join(tmpdir(), 'npn-ue-sim-'));
  let socket: UnixDatagramSocket;
  try {
    socket = UnixDatagramSocket.bind(join(dir, 'ctrl'), { mode: 0o600 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const answers: ExternalSimAnswer[] = [];
  /** Replies to our commands, in order (events carry a "<level>" prefix, replies do not). */
  const waiting: ((reply: string) => void)[] = [];
  let closed = false;

  /** Sends a command; resolves with its reply. `name` (no secrets) names it in errors. */
  const command = (text: string, name: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const forget = () => {
        clearTimeout(timer);
        const i = waiting.indexOf(settle);
        if (i >= 0) waiting.splice(i, 1);
      };
      const settle = (reply: string) => {
        forget();
        resolve(reply);
      };
      const timer = setTimeout(() => {
        forget();
        reject(new ExternalSimError(`no reply to ${name} from wpa_supplicant`));
      }, COMMAND_TIMEOUT_MS);
      waiting.push(settle);
      socket.send(text, options.ctrlPath).catch((err: unknown) => {
        forget();
        reject(err);
      });
    });

  const answer = async (id: string, kind: ExternalSimAnswer, value: string) => {
    answers.push(kind);
    try {
      const reply = await command(`CTRL-RSP-SIM-${id}:${value}`, `CTRL-RSP-SIM ${kind}`);
      if (reply !== 'OK') logger?.warn({ id, kind, reply }, 'external SIM: answer refused');
    } catch (err) {
      logger?.warn({ id, kind, cause: (err as Error).message }, 'external SIM: answer not sent');
    }
  };

  const onRequest = (event: string) => {
    const m = REQ_SIM.exec(event);
    if (!m) return;
    const [, id, kind, params = ''] = m;
    if (kind !== 'UMTS-AUTH') {
      // EAP-SIM (GSM-AUTH): this USIM runs AKA only; an unrecognised answer fails the method.
      logger?.info({ id, kind }, 'external SIM: not a UMTS request');
      void answer(id!, 'GSM-FAIL', 'GSM-FAIL');
      return;
    }
    const [randHex = '', autnHex = ''] = params.split(':');
    if (!HEX32.test(randHex) || !HEX32.test(autnHex)) {
      logger?.warn({ id }, 'external SIM: UMTS-AUTH without a 16-byte RAND and AUTN');
      void answer(id!, 'UMTS-FAIL', 'UMTS-FAIL');
      return;
    }
    let result: UsimResult;
    try {
      result = usim.authenticate(Buffer.from(randHex, 'hex'), Buffer.from(autnHex, 'hex'));
    } catch (err) {
      // e.g. the SQN array could not be saved: no RES may leave the USIM then.
      logger?.warn({ id, cause: (err as Error).name }, 'external SIM: USIM error');
      void answer(id!, 'UMTS-FAIL', 'UMTS-FAIL');
      return;
    }
    const { kind: answered, value } = umtsAnswer(result);
    logger?.info({ id, answer: answered }, 'external SIM: challenge answered');
    void answer(id!, answered, value);
  };

  socket.onMessage((data) => {
    if (closed) return;
    const text = data.toString('utf8').replace(/\n+$/, '');
    const level = /^<\d+>/.exec(text);
    if (level === null) {
      waiting.shift()?.(text);
      return;
    }
    const event = text.slice(level[0].length);
    options.onEvent?.(event);
    onRequest(event);
  });

  const close = async () => {
    if (closed) return;
    try {
      await command('DETACH', 'DETACH').catch(() => undefined);
    } finally {
      closed = true;
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  // wpa_supplicant creates its control socket a moment after it starts: retry until then.
  const deadline = Date.now() + (options.attachTimeoutMs ?? 5000);
  for (;;) {
    try {
      const reply = await command('ATTACH', 'ATTACH');
      if (reply !== 'OK') throw new ExternalSimError(`ATTACH answered ${reply.slice(0, 16)}`);
      break;
    } catch (err) {
      const retry =
        err instanceof UnixDgramError && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED');
      if (!retry || Date.now() > deadline) {
        closed = true;
        socket.close();
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  logger?.info({ ctrlPath: options.ctrlPath }, 'external SIM: attached');
  return { answers, close };
}
