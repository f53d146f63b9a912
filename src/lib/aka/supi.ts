// The SUPI (TS 23.003 clause 2.2A; string form of TS 29.571 `Supi`): an IMSI, `imsi-<digits>`,
// or a network specific identifier in NAI form (RFC 7542), `nai-<username>@<realm>`.
// Also the packed BCD coding of the MSIN that the SUCI's ECIES scheme input uses (TS 33.501
// C.3.1, digit order of TS 24.501 Figure 9.11.3.4.3a).
import { AkaError } from './errors.js';
import { utf8 } from '../bytes.js';

export type Supi =
  | { type: 'imsi'; mcc: string; mnc: string; msin: string }
  | { type: 'nai'; username: string; realm: string };

export type ImsiSupi = Extract<Supi, { type: 'imsi' }>;
export type NaiSupi = Extract<Supi, { type: 'nai' }>;

/** An IMSI has at most 15 digits (TS 23.003 2.2), so the MSIN has at most 10. */
const IMSI_MAX_DIGITS = 15;
const MSIN_MAX_DIGITS = 10;
/** RFC 7542 2.3: an NAI must fit in 253 octets. */
const NAI_MAX_OCTETS = 253;

// RFC 7542 2.2. Any non-ASCII character is a UTF8-xtra-char; lone surrogates are not characters.
const XTRA = '\\u0080-\\uD7FF\\uE000-\\u{10FFFF}';
const ATEXT = `[A-Za-z0-9!#$%&'*+\\-/=?^_\`{|}~${XTRA}]`;
const RTEXT = `[A-Za-z0-9${XTRA}]`;
const LABEL = `${RTEXT}(?:[A-Za-z0-9\\-${XTRA}]*${RTEXT})?`;
const USERNAME_RE = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`, 'u');
const REALM_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`, 'u');

/** RFC 7542 `username` (a dot-string of utf8-atext). */
export function isNaiUsername(text: string): boolean {
  return USERNAME_RE.test(text);
}

/** RFC 7542 `realm`: at least two labels of letters, digits and inner hyphens. */
export function isNaiRealm(text: string): boolean {
  return REALM_RE.test(text);
}

/**
 * Parses `imsi-<digits>` or `nai-<username>@<realm>`. An IMSI string does not say where the MNC
 * ends, so `mncLength` (2 or 3) says it; the MSIN is the rest and must have at least one digit.
 */
export function parseSupi(text: string, mncLength: 2 | 3 = 2): Supi {
  if (mncLength !== 2 && mncLength !== 3) {
    throw new AkaError('INVALID_SUPI', 'the MNC length must be 2 or 3');
  }
  if (typeof text !== 'string') throw new AkaError('INVALID_SUPI', 'a SUPI must be a string');
  if (text.startsWith('imsi-')) {
    const digits = text.slice(5);
    if (!/^\d+$/.test(digits) || digits.length > IMSI_MAX_DIGITS) {
      throw new AkaError('INVALID_SUPI', `an IMSI is 1 to ${IMSI_MAX_DIGITS} decimal digits`);
    }
    if (digits.length <= 3 + mncLength) {
      throw new AkaError('INVALID_SUPI', `an IMSI with a ${mncLength}-digit MNC needs an MSIN`);
    }
    const supi: Supi = {
      type: 'imsi',
      mcc: digits.slice(0, 3),
      mnc: digits.slice(3, 3 + mncLength),
      msin: digits.slice(3 + mncLength),
    };
    checkSupi(supi);
    return supi;
  }
  if (text.startsWith('nai-')) {
    const nai = text.slice(4);
    const at = nai.indexOf('@');
    if (at < 0) throw new AkaError('INVALID_SUPI', 'an NAI SUPI has the form username@realm');
    const supi: Supi = { type: 'nai', username: nai.slice(0, at), realm: nai.slice(at + 1) };
    checkSupi(supi);
    return supi;
  }
  throw new AkaError('INVALID_SUPI', 'a SUPI starts with imsi- or nai-');
}

/** Throws INVALID_SUPI unless every field of `supi` is well formed. */
export function checkSupi(supi: Supi): void {
  if (typeof supi !== 'object' || supi === null) {
    throw new AkaError('INVALID_SUPI', 'a SUPI must be an object');
  }
  if (supi.type === 'imsi') {
    const fields = [supi.mcc, supi.mnc, supi.msin];
    if (!fields.every((f) => typeof f === 'string')) {
      throw new AkaError('INVALID_SUPI', 'MCC, MNC and MSIN must be strings');
    }
    if (!/^\d{3}$/.test(supi.mcc)) throw new AkaError('INVALID_SUPI', 'the MCC is 3 digits');
    if (!/^\d{2,3}$/.test(supi.mnc)) throw new AkaError('INVALID_SUPI', 'the MNC is 2 or 3 digits');
    if (!/^\d+$/.test(supi.msin)) throw new AkaError('INVALID_SUPI', 'the MSIN is decimal digits');
    const length = supi.mcc.length + supi.mnc.length + supi.msin.length;
    if (length > IMSI_MAX_DIGITS) {
      throw new AkaError('INVALID_SUPI', `an IMSI has at most ${IMSI_MAX_DIGITS} digits`);
    }
    return;
  }
  if (supi.type === 'nai') {
    if (typeof supi.username !== 'string' || typeof supi.realm !== 'string') {
      throw new AkaError('INVALID_SUPI', 'username and realm must be strings');
    }
    if (!isNaiUsername(supi.username)) {
      throw new AkaError('INVALID_SUPI', 'the NAI username is not an RFC 7542 username');
    }
    if (!isNaiRealm(supi.realm)) {
      throw new AkaError('INVALID_SUPI', 'the NAI realm is not an RFC 7542 realm');
    }
    if (utf8(`${supi.username}@${supi.realm}`).length > NAI_MAX_OCTETS) {
      throw new AkaError('INVALID_SUPI', `an NAI has at most ${NAI_MAX_OCTETS} octets`);
    }
    return;
  }
  throw new AkaError('INVALID_SUPI', 'unknown SUPI type');
}

/** The string form of TS 29.571: `imsi-<digits>` or `nai-<username>@<realm>`. */
export function formatSupi(supi: Supi): string {
  checkSupi(supi);
  return supi.type === 'imsi' ? `imsi-${imsiDigits(supi)}` : `nai-${supiValue(supi)}`;
}

/** MCC || MNC || MSIN, the IMSI as digits. Throws INVALID_SUPI for an NAI SUPI. */
export function imsiDigits(supi: Supi): string {
  if (supi.type !== 'imsi') throw new AkaError('INVALID_SUPI', 'not an IMSI SUPI');
  return supi.mcc + supi.mnc + supi.msin;
}

/** The SUPI without its type prefix (IMSI digits, or username@realm), as KAMF takes it. */
export function supiValue(supi: Supi): string {
  return supi.type === 'imsi' ? imsiDigits(supi) : `${supi.username}@${supi.realm}`;
}

/**
 * Packs the MSIN as BCD, two digits an octet, the first digit in the low nibble; an odd digit
 * count leaves 0xF in the high nibble of the last octet. '001002086' gives 00 01 20 80 F6.
 */
export function msinToBcd(msin: string): Uint8Array {
  if (!/^\d+$/.test(msin) || msin.length > MSIN_MAX_DIGITS) {
    throw new AkaError('INVALID_SUPI', `the MSIN is 1 to ${MSIN_MAX_DIGITS} decimal digits`);
  }
  const out = new Uint8Array(Math.ceil(msin.length / 2));
  for (let i = 0; i < out.length; i++) {
    const low = msin.charCodeAt(2 * i) - 48;
    const high = 2 * i + 1 < msin.length ? msin.charCodeAt(2 * i + 1) - 48 : 0xf;
    out[i] = (high << 4) | low;
  }
  return out;
}

/** The inverse of msinToBcd: 0xF is accepted only as the filler in the last high nibble. */
export function bcdToMsin(bcd: Uint8Array): string {
  if (bcd.length === 0 || bcd.length > MSIN_MAX_DIGITS / 2) {
    throw new AkaError('INVALID_SUPI', `a BCD MSIN is 1 to ${MSIN_MAX_DIGITS / 2} octets`);
  }
  let msin = '';
  for (let i = 0; i < bcd.length; i++) {
    const low = bcd[i]! & 0x0f;
    const high = bcd[i]! >>> 4;
    if (low > 9) throw new AkaError('INVALID_SUPI', 'the BCD MSIN has a nibble that is no digit');
    msin += String(low);
    if (high === 0xf && i === bcd.length - 1) break;
    if (high > 9) throw new AkaError('INVALID_SUPI', 'the BCD MSIN has a nibble that is no digit');
    msin += String(high);
  }
  return msin;
}
