// The keys of an EAP-AKA' run in 5G: the Identity that MK is derived with (TS 33.501 F.3), the
// peer's path from CK, IK to K_aut and EMSK (RFC 9048 3.3, TS 33.402 A.2), and KAUSF, the most
// significant 256 bits of EMSK (TS 33.501 6.1.3.1). The derivations themselves live in
// src/lib/aka/eap-aka-prime.ts; this module only composes them the way both ends must.
import { AkaError, requireLength } from '../aka/errors.js';
import { ckIkPrime, eapAkaPrimeKeys, type EapAkaPrimeKeys } from '../aka/eap-aka-prime.js';
import { AUTN_LENGTH } from './aka-attributes.js';

export type { EapAkaPrimeKeys } from '../aka/eap-aka-prime.js';

/**
 * The Identity of MK = PRF'(IK'|CK', "EAP-AKA'"|Identity) in 5G (TS 33.501 F.3): the SUPI,
 * whatever identity the UE sent: the IMSI digits for `imsi-<digits>`, the NAI for
 * `nai-<user>@<realm>`. Throws AkaError INVALID_SUPI for anything else.
 */
export function keyDerivationIdentity(supi: string): string {
  if (typeof supi === 'string') {
    if (/^imsi-\d{5,15}$/.test(supi)) return supi.slice(5);
    if (/^nai-[^@]+@[^@]+$/.test(supi)) return supi.slice(4);
  }
  throw new AkaError('INVALID_SUPI', 'a SUPI is imsi-<5 to 15 digits> or nai-<username>@<realm>');
}

/** The server's keys: CK' and IK' come from the UDM (AvEapAkaPrime). */
export function serverKeys(
  ckPrime: Uint8Array,
  ikPrime: Uint8Array,
  supi: string,
): EapAkaPrimeKeys {
  return eapAkaPrimeKeys(ckPrime, ikPrime, keyDerivationIdentity(supi));
}

/**
 * The peer's keys from its USIM's CK and IK: CK', IK' bound to the network name of AT_KDF_INPUT
 * and to SQN XOR AK (the first 6 octets of AUTN), then MK with the SUPI as Identity.
 */
export function peerKeys(input: {
  ck: Uint8Array;
  ik: Uint8Array;
  autn: Uint8Array;
  networkName: string;
  supi: string;
}): EapAkaPrimeKeys {
  requireLength('AUTN', input.autn, AUTN_LENGTH);
  const { ckPrime, ikPrime } = ckIkPrime(
    input.ck,
    input.ik,
    input.networkName,
    input.autn.subarray(0, 6),
  );
  return eapAkaPrimeKeys(ckPrime, ikPrime, keyDerivationIdentity(input.supi));
}

/** KAUSF = the most significant 256 bits of EMSK (TS 33.501 6.1.3.1, Annex F). */
export function kausfFromEmsk(emsk: Uint8Array): Uint8Array {
  requireLength('EMSK', emsk, 64);
  return emsk.slice(0, 32);
}
