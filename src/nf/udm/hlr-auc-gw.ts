// The UDM as the HLR/AuC of hostapd: a server on a UNIX datagram socket speaking the text protocol
// of hostapd's eap_sim_db (the one its hlr_auc_gw example answers), so that hostapd, as a Wi-Fi
// authenticator or a RADIUS/EAP server, runs EAP-AKA and EAP-AKA' for onboarded UEs from the
// UDM's own subscriptions and SQN state:
//   AKA-REQ-AUTH <IMSI>                 -> AKA-RESP-AUTH <IMSI> <RAND> <AUTN> <IK> <CK> <RES>
//                                          or AKA-RESP-AUTH <IMSI> FAILURE
//   AKA-AUTS <IMSI> <AUTS> <RAND>       -> (no reply) resynchronise SQN_HE from AUTS
//   SIM-REQ-AUTH <IMSI> [<max>]         -> SIM-RESP-AUTH <IMSI> FAILURE (no GSM triplets here)
// hostapd derives CK' and IK' (EAP-AKA') from CK and IK itself. The socket is 0600: whoever may
// write to it can obtain authentication vectors, so it belongs to hostapd's user alone.
import { UnixDatagramSocket } from '../../sbi/unix-dgram.js';
import type { UmtsVector } from './auth-vectors.js';

export type { UmtsVector } from './auth-vectors.js';

/** What the gateway needs of the UDM (AuthVectorService in auth-vectors.ts has this shape). */
export interface UmtsVectorSource {
  /** A fresh vector (the next SQN_HE) for the subscription imsi-<digits>. */
  umtsVector(imsiDigits: string): Promise<UmtsVector>;
  /** Verifies MAC-S in AUTS and moves SQN_HE above the SQN_MS the USIM reported. */
  resynchronise(imsiDigits: string, rand: Uint8Array, auts: Uint8Array): Promise<void>;
}

/** The log calls the gateway makes (pino's and Fastify's loggers fit). */
export interface GatewayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface HlrAucGatewayOptions {
  /** the socket path, as hostapd's eap_sim_db=unix:<path> names it */
  path: string;
  authVectors: UmtsVectorSource;
  logger: GatewayLogger;
  /** requests being answered at once; more are dropped with a log line (default 256) */
  maxPending?: number;
}

export interface HlrAucGateway {
  readonly path: string;
  /** Stops taking requests, lets those under way finish, closes and removes the socket. */
  close(): Promise<void>;
}

const IMSI = /^[0-9]{5,15}$/;
/** What hostapd could send as an IMSI: one printable token (its entry holds at most 20 bytes). */
const TOKEN = /^[\x21-\x7e]{1,20}$/;
const HEX = (bytes: number) => new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`);
const AUTS_HEX = HEX(14);
const RAND_HEX = HEX(16);
/** The longest request the protocol has (AKA-AUTS) is under 100 bytes. */
const MAX_REQUEST = 256;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The failure cause of an error from the vector source (UdmAuthError has `cause`), for logs. */
function causeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const cause = (err as { cause?: unknown }).cause;
    if (typeof cause === 'string') return cause;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'UNKNOWN';
}

/** A printable, bounded rendering of a command word for logs (never the rest of the line). */
function commandWord(line: string): string {
  const word = line.split(' ', 1)[0] ?? '';
  return word.replace(/[^\x21-\x7e]/g, '?').slice(0, 24);
}

/** Starts the gateway on `path` (a stale socket file there is replaced). */
export async function startHlrAucGateway(options: HlrAucGatewayOptions): Promise<HlrAucGateway> {
  const { authVectors, logger } = options;
  const maxPending = options.maxPending ?? 256;
  const socket = UnixDatagramSocket.bind(options.path, { replaceStale: true, mode: 0o600 });
  /** Per IMSI, the tail of its requests in arrival order: hostapd sends AKA-AUTS and then at
   * once AKA-REQ-AUTH, and the new vector must come from the resynchronised SQN_HE. */
  const queues = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let closing = false;

  const reply = async (to: string | undefined, text: string, imsi: string) => {
    if (to === undefined) {
      logger.warn({ imsi }, 'eap_sim_db: the request came from an unbound socket; no reply');
      return;
    }
    try {
      await socket.send(text, to);
    } catch (err) {
      logger.warn({ imsi, cause: causeOf(err) }, 'eap_sim_db: reply not delivered');
    }
  };

  const akaReqAuth = async (imsi: string, from: string | undefined) => {
    let vector: UmtsVector;
    try {
      vector = await authVectors.umtsVector(imsi);
    } catch (err) {
      logger.info({ imsi, cause: causeOf(err) }, 'eap_sim_db: no authentication vector');
      await reply(from, `AKA-RESP-AUTH ${imsi} FAILURE`, imsi);
      return;
    }
    const { rand, autn, ik, ck, res } = vector;
    await reply(
      from,
      `AKA-RESP-AUTH ${imsi} ${hex(rand)} ${hex(autn)} ${hex(ik)} ${hex(ck)} ${hex(res)}`,
      imsi,
    );
    logger.info({ imsi }, 'eap_sim_db: authentication vector sent');
  };

  const akaAuts = async (imsi: string, auts: Uint8Array, rand: Uint8Array) => {
    try {
      await authVectors.resynchronise(imsi, rand, auts);
      logger.info({ imsi }, 'eap_sim_db: SQN resynchronised from AUTS');
    } catch (err) {
      logger.warn({ imsi, cause: causeOf(err) }, 'eap_sim_db: AUTS refused');
    }
  };

  /** Runs `task` after the earlier requests of the same IMSI. */
  const enqueue = (imsi: string, task: () => Promise<void>) => {
    const previous = queues.get(imsi) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => {
      logger.warn({ imsi, cause: causeOf(err) }, 'eap_sim_db: request failed');
    });
    queues.set(imsi, next);
    running.add(next);
    void next.finally(() => {
      running.delete(next);
      if (queues.get(imsi) === next) queues.delete(imsi);
    });
  };

  const ignore = (line: string, reason: string) => {
    logger.warn({ command: commandWord(line), reason }, 'eap_sim_db: request ignored');
  };

  socket.onMessage((data, from) => {
    if (closing) return;
    if (data.length > MAX_REQUEST) {
      ignore('', `longer than ${MAX_REQUEST} bytes`);
      return;
    }
    // hostapd sends no terminator; other clients may add a NUL or a newline.
    const line = data.toString('latin1').replace(/[\0\r\n]+$/, '');
    if (running.size >= maxPending) {
      ignore(line, 'too many requests under way');
      return;
    }
    const [command, imsi, ...rest] = line.split(' ');
    switch (command) {
      case 'AKA-REQ-AUTH':
        if (imsi === undefined || rest.length > 0 || !TOKEN.test(imsi)) {
          ignore(line, 'expected AKA-REQ-AUTH <IMSI>');
        } else if (!IMSI.test(imsi)) {
          // Answered, so that hostapd fails the session now instead of at its timeout.
          enqueue(imsi, () => reply(from, `AKA-RESP-AUTH ${imsi} FAILURE`, imsi));
        } else {
          enqueue(imsi, () => akaReqAuth(imsi, from));
        }
        return;
      case 'AKA-AUTS': {
        const [auts, rand] = rest;
        if (
          imsi === undefined ||
          !IMSI.test(imsi) ||
          rest.length !== 2 ||
          !AUTS_HEX.test(auts!) ||
          !RAND_HEX.test(rand!)
        ) {
          ignore(line, 'expected AKA-AUTS <IMSI> <AUTS, 28 hex> <RAND, 32 hex>');
        } else {
          const autsBytes = Buffer.from(auts!, 'hex');
          const randBytes = Buffer.from(rand!, 'hex');
          enqueue(imsi, () => akaAuts(imsi, autsBytes, randBytes));
        }
        return;
      }
      case 'SIM-REQ-AUTH':
        if (imsi === undefined || rest.length > 1 || !TOKEN.test(imsi)) {
          ignore(line, 'expected SIM-REQ-AUTH <IMSI> [<max>]');
        } else {
          logger.info({ imsi }, 'eap_sim_db: EAP-SIM is not offered (no GSM triplets)');
          enqueue(imsi, () => reply(from, `SIM-RESP-AUTH ${imsi} FAILURE`, imsi));
        }
        return;
      default:
        ignore(line, 'unknown command');
    }
  });
  socket.onError((err) => logger.warn({ cause: err.code }, 'eap_sim_db: socket error'));
  logger.info({ path: socket.path }, 'eap_sim_db: HLR/AuC gateway listening');

  return {
    path: socket.path,
    async close() {
      if (closing) return;
      closing = true;
      await Promise.allSettled([...running]);
      socket.close();
    },
  };
}
