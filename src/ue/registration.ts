// The UE's registration (Step 3): select the SNPN from the stored credentials and what the network
// broadcasts, compute a fresh SUCI, register with the AMF, and authenticate as the SNPN's
// subscription says: 5G AKA (TS 33.501 6.1.3.2: check AUTN with the USIM, answer RES*, or AUTS on
// a synchronisation failure and then answer the fresh challenge) or EAP-AKA' as the peer
// (RFC 9048, TS 33.501 6.1.3.1 and Annex F). The UE authenticates the network as much as the
// network the UE: a challenge whose AUTN does not verify, whose AMF lacks the separation bit, or
// whose AT_KDF_INPUT is not the selected SNPN's serving network name is refused, and so is an
// EAP-AKA' challenge whose AT_MAC does not verify. Each refusal is a RegistrationError with a
// cause; the network's own causes (SNPN_NOT_SERVED, USER_NOT_FOUND, AUTHENTICATION_REJECTED, ...)
// pass through.
import { toHex } from '../lib/bytes.js';
import { servingNetworkName } from '../lib/aka/serving-network-name.js';
import {
  AKA_SUBTYPE,
  EAP_CODE,
  EAP_TYPE,
  KDF_AKA_PRIME,
  akaAuthenticationReject,
  akaClientError,
  akaIdentityResponse,
  akaNotificationResponse,
  akaSynchronizationFailure,
  decodeEapAka,
  decodeEapPacket,
  eapIdentityResponse,
  eapNak,
  encodeEapAka,
  fromEapPayload,
  notificationHasMac,
  notificationIsSuccess,
  peerKeys,
  toEapPayload,
  verifyAkaMac,
  type EapAkaMessage,
} from '../lib/eap/index.js';
import type { CredentialBundle, SnpnId } from '../lib/onboarding/credential-bundle.js';
import { AmfClient } from '../nf/amf/client.js';
import { SbiClientError } from '../sbi/client.js';
import {
  FileCredentialStore,
  type CredentialStore,
  type UsimSqnStore,
} from './credential-store.js';
import { selectSnpn, SnpnSelectionError } from './snpn-selection.js';
import { computeSuci } from './suci.js';
import { Usim } from './usim.js';

/** The causes the UE itself gives (the network's causes pass through as they are). */
export type UeRegistrationCause =
  /** SNPN selection (src/ue/snpn-selection.ts) */
  | 'NO_CREDENTIALS'
  | 'SNPN_NOT_AVAILABLE'
  | 'CREDENTIALS_EXPIRED'
  /** the delivered SUCI parameters cannot conceal the SUPI (a bad home network key) */
  | 'SUCI_PARAMETERS_INVALID'
  /** no answer from the AMF */
  | 'AMF_UNREACHABLE'
  /** AUTN was not made with this USIM's K: the network is not authentic (TS 33.102 6.3.3) */
  | 'MAC_FAILURE'
  /** the AMF field of AUTN lacks the separation bit (TS 33.501 6.1.3.2, RFC 9048 3.1) */
  | 'AMF_SEPARATION_BIT'
  /** the challenge is not bound to the selected SNPN (AT_KDF_INPUT, RFC 9048 3.1) */
  | 'NETWORK_NAME_MISMATCH'
  /** EAP-AKA': no key derivation function this peer knows (RFC 9048 3.2) */
  | 'KDF_UNSUPPORTED'
  /** synchronisation failures went on after resynchronisation */
  | 'SYNCH_FAILURE'
  /** EAP-AKA': the server's AT_MAC does not verify */
  | 'EAP_MAC_INVALID'
  /** EAP: a packet the peer cannot process, or out of order */
  | 'EAP_PROTOCOL_ERROR'
  /** an answer from the AMF that is not what the API defines */
  | 'PROTOCOL_ERROR';

/** A registration that did not end authenticated, with the cause to act on. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  constructor(
    /** a UeRegistrationCause, or the network's cause (SNPN_NOT_SERVED, USER_NOT_FOUND, ...) */
    override readonly cause: string,
    message: string,
    /** the HTTP status when the network refused a request */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How long each step took, in ms (the demo's ladder). */
export interface RegistrationTimings {
  /** SNPN selection and SUCI concealment */
  suci: number;
  /** POST /registrations: up to the first challenge */
  challenge: number;
  /** the rest of the authentication, up to the result */
  authentication: number;
  total: number;
}

export interface RegistrationResult {
  result: 'AUTHENTICATION_SUCCESS';
  /** the registration's id at the AMF */
  registrationId: string;
  /** the SUCI the UE registered with (no secret: the SUPI concealed) */
  suci: string;
  supi: string;
  snpn: SnpnId;
  authMethod: '5G_AKA' | 'EAP_AKA_PRIME';
  /** synchronisation failures resolved on the way */
  resyncs: number;
  timings: RegistrationTimings;
}

export interface RegisterOptions {
  /** the AMF: its base URL, or a client */
  amf: string | AmfClient;
  /** the device directory (credentials.json, usim-sqn.json) ... */
  device?: string;
  /** ... or a credential store that also keeps the USIM's SQN array */
  credentialStore?: CredentialStore & UsimSqnStore;
  /** the SNPNs the network broadcasts */
  broadcast: readonly SnpnId[];
}

/** Synchronisation failures the UE reports in one registration before giving up. */
const MAX_RESYNCS = 2;
/** EAP round trips in one registration: a challenge, a resync or two, a notification. */
const MAX_EAP_ROUNDS = 12;

/** TS 33.501 Annex A.7.1 / RFC 9048 3.1: bit 0 of the AMF field ("separation bit"). */
function separationBitSet(autn: Uint8Array): boolean {
  return (autn[6]! & 0x80) !== 0;
}

function fromHexField(text: unknown, bytes: number, what: string): Uint8Array {
  if (typeof text !== 'string' || !new RegExp(`^[0-9A-Fa-f]{${2 * bytes}}$`).test(text)) {
    throw new RegistrationError('PROTOCOL_ERROR', `the AMF sent no valid ${what}`);
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** A refusal from the AMF as a RegistrationError with the network's cause. */
function networkError(err: unknown, step: string): RegistrationError {
  if (err instanceof RegistrationError) return err;
  if (err instanceof SbiClientError) {
    const cause = err.problemCause ?? (err.status === 0 ? 'AMF_UNREACHABLE' : `HTTP_${err.status}`);
    return new RegistrationError(
      cause,
      `${step}: ${err.message}`,
      err.status === 0 ? undefined : err.status,
    );
  }
  throw err;
}

/** Registers the device and authenticates it; resolves only when the network accepted it. */
export async function register(options: RegisterOptions): Promise<RegistrationResult> {
  const started = performance.now();
  const store =
    options.credentialStore ??
    (options.device !== undefined ? new FileCredentialStore(options.device) : undefined);
  if (store === undefined) throw new TypeError('register needs a device or a credentialStore');
  const amf =
    typeof options.amf === 'string' ? new AmfClient({ baseUrl: options.amf }) : options.amf;

  const stored = store.load();
  let bundle: CredentialBundle;
  let snpn: SnpnId;
  try {
    ({ bundle, snpn } = selectSnpn(stored ? [stored.bundle] : [], options.broadcast));
  } catch (err) {
    if (err instanceof SnpnSelectionError) throw new RegistrationError(err.cause, err.message);
    throw err;
  }
  const snn = servingNetworkName(snpn);
  let suci: string;
  try {
    suci = computeSuci(bundle);
  } catch (err) {
    throw new RegistrationError(
      'SUCI_PARAMETERS_INVALID',
      `the delivered SUCI parameters cannot be used: ${(err as Error).message}`,
    );
  }
  const usim = Usim.fromBundle(bundle, store);
  const tSuci = performance.now();

  let challenge;
  try {
    challenge = await amf.register(suci, snpn);
  } catch (err) {
    throw networkError(err, 'register');
  }
  const tChallenge = performance.now();

  const peer = { amf, usim, bundle, snn, id: challenge.id };
  const outcome =
    challenge.authMethod === '5G_AKA'
      ? await fiveGAka(peer, challenge.rand, challenge.autn)
      : challenge.authMethod === 'EAP_AKA_PRIME'
        ? await eapAkaPrime(peer, challenge.eapPayload)
        : undefined;
  if (outcome === undefined) {
    throw new RegistrationError('PROTOCOL_ERROR', 'the AMF offered an unknown method');
  }
  const done = performance.now();
  return {
    result: 'AUTHENTICATION_SUCCESS',
    registrationId: challenge.id,
    suci,
    supi: outcome.supi,
    snpn,
    authMethod: challenge.authMethod,
    resyncs: outcome.resyncs,
    timings: {
      suci: tSuci - started,
      challenge: tChallenge - tSuci,
      authentication: done - tChallenge,
      total: done - started,
    },
  };
}

interface Peer {
  amf: AmfClient;
  usim: Usim;
  bundle: CredentialBundle;
  snn: string;
  /** the registration at the AMF */
  id: string;
}

/** 5G AKA (TS 33.501 6.1.3.2), the UE's side. */
async function fiveGAka(
  peer: Peer,
  randHex: string,
  autnHex: string,
): Promise<{ supi: string; resyncs: number }> {
  let rand = fromHexField(randHex, 16, 'RAND');
  let autn = fromHexField(autnHex, 16, 'AUTN');
  let resyncs = 0;
  for (;;) {
    // The ME's check (TS 33.501 6.1.3.2 step 7); the MAC covers the AMF, so only the home
    // network could have cleared the bit.
    if (!separationBitSet(autn)) {
      throw new RegistrationError(
        'AMF_SEPARATION_BIT',
        'the AMF field of AUTN does not have the separation bit set: not a 5G challenge',
      );
    }
    const answer = peer.usim.authenticate(rand, autn, peer.snn);
    if (answer.result === 'mac_failure') {
      throw new RegistrationError(
        'MAC_FAILURE',
        'AUTN does not verify with this USIM: the network does not hold these credentials',
      );
    }
    if (answer.result === 'sync_failure') {
      if (resyncs >= MAX_RESYNCS) {
        throw new RegistrationError(
          'SYNCH_FAILURE',
          `the SQN is still not acceptable after ${resyncs} resynchronisations (${answer.reason})`,
        );
      }
      resyncs += 1;
      let fresh;
      try {
        fresh = await peer.amf.resynchronise5gAka(peer.id, toHex(answer.auts));
      } catch (err) {
        throw networkError(err, 'resynchronise');
      }
      rand = fromHexField(fresh.rand, 16, 'RAND');
      autn = fromHexField(fresh.autn, 16, 'AUTN');
      continue;
    }
    try {
      const accepted = await peer.amf.confirm5gAka(peer.id, toHex(answer.resStar!));
      return { supi: accepted.supi, resyncs };
    } catch (err) {
      throw networkError(err, 'RES*');
    }
  }
}

/** The EAP-AKA' peer's state across the round trips of one registration. */
interface EapPeerState {
  /** K_aut once a challenge was accepted and its AT_MAC verified */
  kAut?: Uint8Array;
  resyncs: number;
  identityRounds: number;
  notified: boolean;
  /** the peer's own reason for failing, which a network rejection then confirms */
  failure?: RegistrationError;
}

/** EAP-AKA' (RFC 9048, TS 33.501 6.1.3.1), the peer's side. */
async function eapAkaPrime(
  peer: Peer,
  firstPayload: string,
): Promise<{ supi: string; resyncs: number }> {
  const state: EapPeerState = { resyncs: 0, identityRounds: 0, notified: false };
  let payload = firstPayload;
  for (let round = 0; round < MAX_EAP_ROUNDS; round++) {
    const response = answerEap(peer, state, payload);
    let answer;
    try {
      answer = await peer.amf.eapSession(peer.id, toEapPayload(response));
    } catch (err) {
      // The peer's own reason (it sent Authentication-Reject or Client-Error) explains the
      // network's rejection better than AUTHENTICATION_REJECTED does.
      if (state.failure !== undefined && err instanceof SbiClientError && err.status === 403) {
        throw state.failure;
      }
      throw networkError(err, 'EAP session');
    }
    if (state.failure !== undefined) throw state.failure;
    if (answer.result === 'AUTHENTICATION_SUCCESS') {
      const bytes = fromEapPayload(answer.eapPayload);
      const packet = bytes ? decodeEapPacket(bytes) : undefined;
      // RFC 4187 6.2/9.3: no Success before the peer authenticated the server's challenge.
      if (!packet?.ok || packet.value.code !== EAP_CODE.SUCCESS || state.kAut === undefined) {
        throw new RegistrationError(
          'EAP_PROTOCOL_ERROR',
          'the network reported success without a completed EAP-AKA challenge',
        );
      }
      return { supi: answer.supi ?? peer.bundle.supi, resyncs: state.resyncs };
    }
    payload = answer.eapPayload;
  }
  throw new RegistrationError('EAP_PROTOCOL_ERROR', `no EAP result after ${MAX_EAP_ROUNDS} rounds`);
}

/** The peer's response to one EAP packet from the network. */
function answerEap(peer: Peer, state: EapPeerState, payload: string): Uint8Array {
  const bytes = fromEapPayload(payload);
  const packet = bytes ? decodeEapPacket(bytes) : undefined;
  if (!packet?.ok || packet.value.code !== EAP_CODE.REQUEST) {
    throw new RegistrationError(
      'EAP_PROTOCOL_ERROR',
      `the network sent no EAP-Request${packet?.ok === false ? ` (${packet.detail})` : ''}`,
    );
  }
  const request = packet.value;
  const { identifier } = request;
  if (request.type === EAP_TYPE.IDENTITY) {
    // TS 33.501 F.2: the identity a 5G UE gives in EAP is its SUCI, in NAI form.
    return eapIdentityResponse(identifier, computeSuci(peer.bundle, { form: 'nai' }));
  }
  if (request.type !== EAP_TYPE.AKA_PRIME) return eapNak(identifier, [EAP_TYPE.AKA_PRIME]);
  const decoded = decodeEapAka(bytes!);
  if (!decoded.ok) return clientError(state, identifier, decoded.detail);
  const message = decoded.value;
  switch (message.subtype) {
    case AKA_SUBTYPE.CHALLENGE:
      return answerChallenge(peer, state, message);
    case AKA_SUBTYPE.NOTIFICATION:
      return answerNotification(state, message);
    case AKA_SUBTYPE.IDENTITY:
      if (++state.identityRounds > 3) {
        return clientError(state, identifier, 'too many identity requests');
      }
      return akaIdentityResponse(identifier, computeSuci(peer.bundle, { form: 'nai' }));
    default:
      return clientError(state, identifier, `EAP-AKA' subtype ${message.subtype} is not expected`);
  }
}

function clientError(state: EapPeerState, identifier: number, detail: string): Uint8Array {
  state.failure ??= new RegistrationError('EAP_PROTOCOL_ERROR', detail);
  return akaClientError(identifier);
}

function reject(
  state: EapPeerState,
  identifier: number,
  cause: UeRegistrationCause,
  detail: string,
): Uint8Array {
  state.failure = new RegistrationError(cause, detail);
  return akaAuthenticationReject(identifier);
}

/** EAP-Request/AKA'-Challenge (RFC 9048 3.1-3.2, RFC 4187 9.3). */
function answerChallenge(peer: Peer, state: EapPeerState, message: EapAkaMessage): Uint8Array {
  const { identifier, attributes } = message;
  const { rand, autn, kdf, kdfInput } = attributes;
  if (rand === undefined || autn === undefined || attributes.mac === undefined) {
    return clientError(state, identifier, 'the challenge lacks AT_RAND, AT_AUTN or AT_MAC');
  }
  if (kdfInput === undefined || kdfInput !== peer.snn) {
    return reject(
      state,
      identifier,
      'NETWORK_NAME_MISMATCH',
      `AT_KDF_INPUT is ${kdfInput === undefined ? 'absent' : `"${kdfInput}"`}, not the selected SNPN's serving network name "${peer.snn}"`,
    );
  }
  if (kdf[0] !== KDF_AKA_PRIME) {
    if (kdf.includes(KDF_AKA_PRIME)) {
      // RFC 9048 3.2: the peer names the KDF it wants; the server repeats the challenge with it.
      return encodeEapAka({
        code: EAP_CODE.RESPONSE,
        identifier,
        subtype: AKA_SUBTYPE.CHALLENGE,
        attributes: [{ type: 'AT_KDF', kdf: KDF_AKA_PRIME }],
      });
    }
    return reject(state, identifier, 'KDF_UNSUPPORTED', `no AT_KDF 1 among [${kdf.join(', ')}]`);
  }
  if (!separationBitSet(autn)) {
    return reject(state, identifier, 'AMF_SEPARATION_BIT', 'AUTN lacks the AMF separation bit');
  }
  if (attributes.checkcode !== undefined && attributes.checkcode.length > 0) {
    // No identity messages were exchanged, so the only checkcode that fits is the empty one.
    return clientError(state, identifier, 'AT_CHECKCODE does not match (no identity exchange)');
  }
  const answer = peer.usim.authenticate(rand, autn);
  if (answer.result === 'mac_failure') {
    return reject(
      state,
      identifier,
      'MAC_FAILURE',
      'AUTN does not verify with this USIM: the network does not hold these credentials',
    );
  }
  if (answer.result === 'sync_failure') {
    if (state.resyncs >= MAX_RESYNCS) {
      return reject(
        state,
        identifier,
        'SYNCH_FAILURE',
        `the SQN is still not acceptable after ${state.resyncs} resynchronisations`,
      );
    }
    state.resyncs += 1;
    return akaSynchronizationFailure({ identifier, auts: answer.auts, kdfs: kdf });
  }
  const keys = peerKeys({
    ck: answer.ck,
    ik: answer.ik,
    autn,
    networkName: kdfInput,
    supi: peer.bundle.supi,
  });
  if (!verifyAkaMac(message, keys.kAut)) {
    state.failure = new RegistrationError(
      'EAP_MAC_INVALID',
      "the AKA'-Challenge's AT_MAC does not verify: the server does not hold these keys",
    );
    return akaClientError(identifier);
  }
  state.kAut = keys.kAut;
  return encodeEapAka(
    {
      code: EAP_CODE.RESPONSE,
      identifier,
      subtype: AKA_SUBTYPE.CHALLENGE,
      attributes: [
        { type: 'AT_RES', res: answer.res },
        // RFC 4187 10.13: a checkcode asked for is answered, empty without identity messages.
        ...(attributes.checkcode !== undefined
          ? [{ type: 'AT_CHECKCODE', checkcode: new Uint8Array(0) } as const]
          : []),
        { type: 'AT_MAC' },
      ],
    },
    keys.kAut,
  );
}

/** EAP-Request/AKA'-Notification (RFC 4187 6.1, 9.10). */
function answerNotification(state: EapPeerState, message: EapAkaMessage): Uint8Array {
  const { identifier, attributes } = message;
  const code = attributes.notification;
  if (code === undefined || state.notified) {
    return clientError(state, identifier, 'a notification without a code, or a second one');
  }
  state.notified = true;
  if (notificationHasMac(code)) {
    // After the challenge round a notification is protected, and only then acceptable.
    if (state.kAut === undefined || !verifyAkaMac(message, state.kAut)) {
      return clientError(state, identifier, 'a protected notification whose AT_MAC is wrong');
    }
  }
  if (!notificationIsSuccess(code)) {
    state.failure ??= new RegistrationError(
      'AUTHENTICATION_REJECTED',
      `the network sent failure notification ${code}`,
    );
  }
  return akaNotificationResponse({
    identifier,
    notification: code,
    ...(state.kAut !== undefined ? { kAut: state.kAut } : {}),
  });
}
