// The SUCI (TS 23.003 2.2B, TS 33.501 6.12.2 and Annex C): SUPI type, home network identifier,
// routing indicator, protection scheme, home network public key identifier and scheme output.
// It is written in two forms, both read here:
//   TS 29.503 (the `Suci` of TS 29.571), what the UDM's APIs take:
//     suci-0-<MCC>-<MNC>-<routing indicator>-<scheme>-<key id>-<scheme output>   (IMSI)
//     suci-1-<realm>-<routing indicator>-<scheme>-<key id>-<scheme output>       (NAI)
//     the null scheme writes `0-0-<MSIN or username>`; ECIES the hex of key || cipher || MAC
//   TS 23.003 28.7.3, the NAI a UE sends (for example in EAP):
//     type<t>.rid<RI>.schid<s>.userid<MSIN or username>@<realm>                       (null)
//     type<t>.rid<RI>.schid<s>.hnkey<id>.ecckey<hex>.cip<hex>.mac<hex>@<realm>        (ECIES)
// concealSupi writes the TS 29.503 form for an IMSI and the NAI form for an NAI SUPI.
import { concat, fromHex, isHex, toHex, utf8 } from '../bytes.js';
import { AkaError } from './errors.js';
import { eciesProfile, ECIES_MAC_LENGTH, type EciesOutput } from './suci-ecies.js';
import { bcdToMsin, checkSupi, isNaiRealm, isNaiUsername, msinToBcd, type Supi } from './supi.js';

export type ProtectionScheme = 'null' | 'A' | 'B';

/** The null scheme carries the MSIN or the NAI username in clear; ECIES its three parts. */
export type SchemeOutput =
  { scheme: 'null'; userId: string } | ({ scheme: 'A' | 'B' } & EciesOutput);

export type Suci = (
  { supiType: 'imsi'; mcc: string; mnc: string } | { supiType: 'nai'; realm: string }
) & {
  routingIndicator: string;
  /** 0 for the null scheme (TS 24.501 9.11.3.4). */
  hnKeyId: number;
  schemeOutput: SchemeOutput;
};

/** `ts29503`: suci-...; `nai`: the username@realm form of TS 23.003 28.7.3. */
export type SuciForm = 'ts29503' | 'nai';

export interface ConcealOptions {
  scheme: ProtectionScheme;
  /** Profile A: raw 32-byte X25519 key; Profile B: P-256 point, 33 or 65 bytes. */
  hnPublicKey?: Uint8Array;
  /** 0-255; needed for Profile A and B, ignored (written as 0) for the null scheme. */
  hnKeyId?: number;
  /** 1-4 digits, "0" when not given. */
  routingIndicator?: string;
  /** To reproduce test vectors; otherwise a fresh ephemeral key is drawn. */
  ephemeralPrivateKey?: Uint8Array;
}

/** Returns the private key for a scheme and key id, or undefined when there is none. */
export type HnPrivateKeyLookup = (
  scheme: ProtectionScheme,
  hnKeyId: number,
) => Uint8Array | undefined;

// Protection scheme identifiers (TS 33.501 Annex C.1, TS 24.501 9.11.3.4).
const SCHEME_IDS: Record<ProtectionScheme, number> = { null: 0, A: 1, B: 2 };
const IMSI_MAX_DIGITS = 15;
const MSIN_MAX_OCTETS = 5;
const NAI_MAX_OCTETS = 253;
/** Far longer than any SUCI; bounds the work the patterns below may do. */
const SUCI_MAX_LENGTH = 2048;

function invalid(message: string): AkaError {
  return new AkaError('INVALID_SUCI', message);
}

/** 0 null, 1 A, 2 B; 3-15 are spare or HPLMN-proprietary schemes, which this code cannot open. */
function schemeFromId(id: number): ProtectionScheme {
  if (id === 0) return 'null';
  if (id === 1) return 'A';
  if (id === 2) return 'B';
  if (id >= 3 && id <= 15) {
    throw new AkaError('UNSUPPORTED_SCHEME', `protection scheme ${id} is not supported`);
  }
  throw invalid('the protection scheme identifier is 0 to 15');
}

function checkRoutingIndicator(value: unknown): void {
  if (typeof value !== 'string' || !/^\d{1,4}$/.test(value)) {
    throw invalid('the routing indicator is 1 to 4 decimal digits');
  }
}

function checkKeyId(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw invalid('the home network public key identifier is an integer from 0 to 255');
  }
}

function checkUserId(suci: Suci, userId: unknown): void {
  if (typeof userId !== 'string') throw invalid('the null-scheme output must be a string');
  if (suci.supiType === 'imsi') {
    if (!/^\d+$/.test(userId) || (suci.mcc + suci.mnc + userId).length > IMSI_MAX_DIGITS) {
      throw invalid('the null-scheme output must be an MSIN that keeps the IMSI to 15 digits');
    }
  } else if (userId !== '' && !isNaiUsername(userId)) {
    // An empty username is the anonymous SUCI (TS 29.503 Annex C): valid, but it reveals no SUPI.
    throw invalid('the null-scheme output must be an NAI username');
  }
}

function checkEciesOutput(suci: Suci, output: SchemeOutput & { scheme: 'A' | 'B' }): void {
  const { ephemeralPublicKey, ciphertext, mac } = output;
  const parts = [ephemeralPublicKey, ciphertext, mac];
  if (!parts.every((p) => p instanceof Uint8Array)) {
    throw invalid('the scheme output parts must be bytes');
  }
  const keyLength = eciesProfile(output.scheme).ephemeralPublicKeyLength;
  if (ephemeralPublicKey.length !== keyLength) {
    throw invalid(`a Profile ${output.scheme} ephemeral public key is ${keyLength} bytes`);
  }
  if (mac.length !== ECIES_MAC_LENGTH) throw invalid(`the MAC tag is ${ECIES_MAC_LENGTH} bytes`);
  // The ciphertext is as long as the scheme input: a BCD MSIN, or a UTF-8 NAI username.
  const maxLength = suci.supiType === 'imsi' ? MSIN_MAX_OCTETS : NAI_MAX_OCTETS;
  if (ciphertext.length < 1 || ciphertext.length > maxLength) {
    throw invalid(`the ciphertext of this SUCI is 1 to ${maxLength} bytes`);
  }
}

/** Throws INVALID_SUCI (or UNSUPPORTED_SCHEME) unless `suci` is well formed. */
export function checkSuci(suci: Suci): void {
  if (typeof suci !== 'object' || suci === null) throw invalid('a SUCI must be an object');
  if (suci.supiType === 'imsi') {
    if (typeof suci.mcc !== 'string' || !/^\d{3}$/.test(suci.mcc)) {
      throw invalid('the MCC is 3 digits');
    }
    if (typeof suci.mnc !== 'string' || !/^\d{2,3}$/.test(suci.mnc)) {
      throw invalid('the MNC is 2 or 3 digits');
    }
  } else if (suci.supiType === 'nai') {
    if (typeof suci.realm !== 'string' || !isNaiRealm(suci.realm)) {
      throw invalid('the home network identifier is not an RFC 7542 realm');
    }
  } else {
    throw invalid('the SUPI type must be imsi or nai');
  }
  checkRoutingIndicator(suci.routingIndicator);
  checkKeyId(suci.hnKeyId);
  const output = suci.schemeOutput as SchemeOutput | undefined;
  if (typeof output !== 'object' || output === null) throw invalid('the scheme output is missing');
  if (output.scheme === 'null') {
    if (suci.hnKeyId !== 0) throw invalid('the null scheme has home network key identifier 0');
    checkUserId(suci, output.userId);
  } else if (output.scheme === 'A' || output.scheme === 'B') {
    checkEciesOutput(suci, output);
  } else {
    throw new AkaError('UNSUPPORTED_SCHEME', 'the protection scheme must be null, A or B');
  }
}

function eciesFromHex(scheme: 'A' | 'B', hex: string): SchemeOutput {
  if (!isHex(hex)) throw invalid('the scheme output must be an even number of hex digits');
  const bytes = fromHex(hex);
  const keyLength = eciesProfile(scheme).ephemeralPublicKeyLength;
  if (bytes.length < keyLength + 1 + ECIES_MAC_LENGTH) throw invalid('the scheme output is short');
  return {
    scheme,
    ephemeralPublicKey: bytes.slice(0, keyLength),
    ciphertext: bytes.slice(keyLength, bytes.length - ECIES_MAC_LENGTH),
    mac: bytes.slice(bytes.length - ECIES_MAC_LENGTH),
  };
}

/** `<scheme>-<key id>-<output>` of the TS 29.503 form: one hex digit, then a decimal key id. */
function parseTs29503Tail(tail: string): { hnKeyId: number; schemeOutput: SchemeOutput } {
  const m = /^([0-9a-fA-F])-(0|[1-9]\d{0,2})-(.*)$/.exec(tail);
  if (!m) throw invalid('expected <protection scheme>-<key id>-<scheme output>');
  const scheme = schemeFromId(parseInt(m[1]!, 16));
  const hnKeyId = Number(m[2]);
  const output = m[3]!;
  if (scheme === 'null') return { hnKeyId, schemeOutput: { scheme, userId: output } };
  return { hnKeyId, schemeOutput: eciesFromHex(scheme, output) };
}

function parseTs29503(text: string): Suci {
  const imsi = /^suci-0-(\d{3})-(\d{2,3})-(\d{1,4})-(.*)$/.exec(text);
  if (imsi) {
    const home = { supiType: 'imsi' as const, mcc: imsi[1]!, mnc: imsi[2]! };
    return { ...home, routingIndicator: imsi[3]!, ...parseTs29503Tail(imsi[4]!) };
  }
  if (text.startsWith('suci-1-')) {
    // A realm may hold hyphens, and so may a null-scheme username: the realm is taken as the
    // shortest prefix followed by -<RI>-0-0-; for ECIES the last four fields hold no hyphen.
    // Only a realm that itself holds -<digits>-0-0- could be misread.
    const nullForm = /^suci-1-(.+?)-(\d{1,4})-(0-0-.*)$/.exec(text);
    const eciesForm = /^suci-1-(.+)-(\d{1,4})-([0-9a-fA-F]-\d{1,3}-[0-9a-fA-F]*)$/.exec(text);
    const m = nullForm ?? eciesForm;
    if (!m) throw invalid('expected suci-1-<realm>-<routing indicator>-<scheme>-<key id>-<output>');
    return { supiType: 'nai', realm: m[1]!, routingIndicator: m[2]!, ...parseTs29503Tail(m[3]!) };
  }
  const type = /^suci-([2-7])-/.exec(text);
  if (type) throw invalid(`SUPI type ${type[1]} (GLI or GCI or spare) is not supported`);
  throw invalid('expected suci-0-<MCC>-<MNC>-... or suci-1-<realm>-...');
}

/** The PLMN of an IMSI-based SUCI in NAI form: the realm ends mnc<MNC>.mcc<MCC>.3gppnetwork.org */
function plmnFromRealm(realm: string, mncLength: 2 | 3 | undefined): { mcc: string; mnc: string } {
  const m = /(?:^|\.)mnc(\d{3})\.mcc(\d{3})\.3gppnetwork\.org$/i.exec(realm);
  if (!m) throw invalid('an IMSI-based SUCI in NAI form needs a 3gppnetwork.org realm');
  const mnc3 = m[1]!;
  // TS 23.003 28.2 pads a 2-digit MNC with a leading 0, so "mnc045" is MNC 45 or 045. Unless the
  // caller knows, follow the examples of TS 29.503 Annex C: a leading 0 marks a 2-digit MNC.
  const length = mncLength ?? (mnc3.startsWith('0') ? 2 : 3);
  if (length === 2 && !mnc3.startsWith('0')) throw invalid('the realm has a 3-digit MNC');
  return { mcc: m[2]!, mnc: length === 2 ? mnc3.slice(1) : mnc3 };
}

const ECIES_NAI_RE =
  /^hnkey(0|[1-9]\d{0,2})\.ecckey([0-9a-fA-F]+)\.cip([0-9a-fA-F]+)\.mac([0-9a-fA-F]+)$/;

function parseNaiForm(text: string, mncLength: 2 | 3 | undefined): Suci {
  const m = /^type(\d)\.rid(\d{1,4})\.schid(0|[1-9]\d?)\.([^@]*)@([^@]+)$/.exec(text);
  if (!m) throw invalid('expected type<t>.rid<RI>.schid<s>.<output>@<realm>');
  const type = m[1]!;
  const routingIndicator = m[2]!;
  const tail = m[4]!;
  const realm = m[5]!;
  if (type !== '0' && type !== '1') throw invalid(`SUPI type ${type} is not supported`);
  if (!isNaiRealm(realm)) throw invalid('the realm is not an RFC 7542 realm');
  const home =
    type === '0'
      ? { supiType: 'imsi' as const, ...plmnFromRealm(realm, mncLength) }
      : { supiType: 'nai' as const, realm };
  const scheme = schemeFromId(Number(m[3]));
  if (scheme === 'null') {
    const userId = /^userid(.*)$/.exec(tail);
    if (!userId) throw invalid('the null scheme writes userid<MSIN or username>');
    return { ...home, routingIndicator, hnKeyId: 0, schemeOutput: { scheme, userId: userId[1]! } };
  }
  const ecies = ECIES_NAI_RE.exec(tail);
  if (!ecies) throw invalid('ECIES writes hnkey<id>.ecckey<hex>.cip<hex>.mac<hex>');
  const [key, cip, mac] = [ecies[2]!, ecies[3]!, ecies[4]!];
  if (![key, cip, mac].every(isHex)) throw invalid('odd number of hex digits');
  const schemeOutput = {
    scheme,
    ephemeralPublicKey: fromHex(key),
    ciphertext: fromHex(cip),
    mac: fromHex(mac),
  };
  return { ...home, routingIndicator, hnKeyId: Number(ecies[1]), schemeOutput };
}

/**
 * Reads a SUCI in either form. `mncLength` only matters for an IMSI-based SUCI in NAI form, whose
 * realm pads the MNC to 3 digits. Throws INVALID_SUCI, or UNSUPPORTED_SCHEME for schemes 3-15.
 */
export function parseSuci(text: string, options: { mncLength?: 2 | 3 } = {}): Suci {
  if (typeof text !== 'string') throw invalid('a SUCI must be a string');
  if (text.length > SUCI_MAX_LENGTH) throw invalid('the SUCI is too long');
  let suci: Suci;
  if (text.startsWith('suci-')) suci = parseTs29503(text);
  else if (text.startsWith('type')) suci = parseNaiForm(text, options.mncLength);
  else throw invalid('a SUCI starts with suci- (TS 29.503) or type (NAI form of TS 23.003)');
  checkSuci(suci);
  return suci;
}

function eciesHex(output: EciesOutput): string {
  return toHex(concat(output.ephemeralPublicKey, output.ciphertext, output.mac));
}

/** Writes `suci` in the TS 29.503 form, or the NAI form (by default for an NAI SUPI). */
export function formatSuci(suci: Suci, form?: SuciForm): string {
  checkSuci(suci);
  const out = suci.schemeOutput;
  const schemeId = SCHEME_IDS[out.scheme];
  if ((form ?? (suci.supiType === 'imsi' ? 'ts29503' : 'nai')) === 'ts29503') {
    const home = suci.supiType === 'imsi' ? `0-${suci.mcc}-${suci.mnc}` : `1-${suci.realm}`;
    const tail =
      out.scheme === 'null' ? `0-0-${out.userId}` : `${schemeId}-${suci.hnKeyId}-${eciesHex(out)}`;
    return `suci-${home}-${suci.routingIndicator}-${tail}`;
  }
  const realm =
    suci.supiType === 'imsi'
      ? `5gc.mnc${suci.mnc.padStart(3, '0')}.mcc${suci.mcc}.3gppnetwork.org`
      : suci.realm;
  const type = suci.supiType === 'imsi' ? 0 : 1;
  const tail =
    out.scheme === 'null'
      ? `userid${out.userId}`
      : `hnkey${suci.hnKeyId}.ecckey${toHex(out.ephemeralPublicKey)}` +
        `.cip${toHex(out.ciphertext)}.mac${toHex(out.mac)}`;
  return `type${type}.rid${suci.routingIndicator}.schid${schemeId}.${tail}@${realm}`;
}

/** Conceals `supi` as a SUCI structure (see concealSupi). */
export function concealSupiToSuci(supi: Supi, options: ConcealOptions): Suci {
  checkSupi(supi);
  const { scheme } = options;
  const routingIndicator = options.routingIndicator ?? '0';
  checkRoutingIndicator(routingIndicator);
  const home =
    supi.type === 'imsi'
      ? { supiType: 'imsi' as const, mcc: supi.mcc, mnc: supi.mnc }
      : { supiType: 'nai' as const, realm: supi.realm };
  let suci: Suci;
  if (scheme === 'null') {
    const userId = supi.type === 'imsi' ? supi.msin : supi.username;
    suci = { ...home, routingIndicator, hnKeyId: 0, schemeOutput: { scheme, userId } };
  } else if (scheme === 'A' || scheme === 'B') {
    if (options.hnPublicKey === undefined) {
      throw new AkaError('INVALID_KEY', `Profile ${scheme} needs the home network public key`);
    }
    if (options.hnKeyId === undefined) {
      throw invalid(`Profile ${scheme} needs the home network public key identifier`);
    }
    checkKeyId(options.hnKeyId);
    // The scheme input: the BCD MSIN, or the UTF-8 username (TS 33.501 C.3.1, TS 33.220 B.2.1.2).
    const input = supi.type === 'imsi' ? msinToBcd(supi.msin) : utf8(supi.username);
    const sealed = eciesProfile(scheme).encrypt(
      options.hnPublicKey,
      input,
      options.ephemeralPrivateKey,
    );
    const { ephemeralPublicKey, ciphertext, mac } = sealed;
    suci = {
      ...home,
      routingIndicator,
      hnKeyId: options.hnKeyId,
      schemeOutput: { scheme, ephemeralPublicKey, ciphertext, mac },
    };
  } else {
    throw new AkaError('UNSUPPORTED_SCHEME', 'the protection scheme must be null, A or B');
  }
  checkSuci(suci);
  return suci;
}

/**
 * Conceals `supi` (the UE's side): the TS 29.503 string for an IMSI, the NAI of TS 23.003 28.7.3
 * for an NAI SUPI.
 */
export function concealSupi(supi: Supi, options: ConcealOptions): string {
  return formatSuci(concealSupiToSuci(supi, options));
}

function userIdFromPlaintext(suci: Suci, plaintext: Uint8Array): string {
  try {
    if (suci.supiType === 'imsi') return bcdToMsin(plaintext);
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext);
  } catch {
    throw invalid('the deconcealed scheme input is no MSIN or username');
  }
}

/**
 * The SIDF: deconceals a SUCI into its SUPI. `hnPrivateKey` is the 32-byte home network private
 * key, or a function that finds it by scheme and key id; the null scheme needs none. Throws
 * SUCI_MAC_FAILURE when the MAC does not verify (a wrong key, or a tampered SUCI).
 */
export function revealSuci(
  suci: string | Suci,
  hnPrivateKey?: Uint8Array | HnPrivateKeyLookup,
): Supi {
  const parsed = typeof suci === 'string' ? parseSuci(suci) : suci;
  if (typeof suci !== 'string') checkSuci(parsed);
  const out = parsed.schemeOutput;
  let userId: string;
  if (out.scheme === 'null') {
    userId = out.userId;
  } else {
    const key =
      typeof hnPrivateKey === 'function' ? hnPrivateKey(out.scheme, parsed.hnKeyId) : hnPrivateKey;
    if (key === undefined) {
      throw new AkaError(
        'INVALID_KEY',
        `no home network private key for Profile ${out.scheme}, key identifier ${parsed.hnKeyId}`,
      );
    }
    userId = userIdFromPlaintext(parsed, eciesProfile(out.scheme).decrypt(key, out).plaintext);
  }
  const supi: Supi =
    parsed.supiType === 'imsi'
      ? { type: 'imsi', mcc: parsed.mcc, mnc: parsed.mnc, msin: userId }
      : { type: 'nai', username: userId, realm: parsed.realm };
  try {
    checkSupi(supi);
  } catch {
    throw invalid('the SUCI conceals no valid SUPI');
  }
  return supi;
}
