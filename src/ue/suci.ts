// The SUCI a device sends when it registers (TS 33.501 6.12.2), computed from the parameters its
// credential bundle delivered: the protection scheme (Profile A, Profile B or the null scheme),
// the home network public key and its identifier, and the routing indicator. Each call draws a
// fresh ephemeral key, so two SUCIs of one SUPI are unlinkable.
import { fromHex } from '../lib/bytes.js';
import {
  concealSupiToSuci,
  formatSuci,
  type ConcealOptions,
  type SuciForm,
} from '../lib/aka/suci.js';
import { parseSupi, type Supi } from '../lib/aka/supi.js';
import type { CredentialBundle } from '../lib/onboarding/credential-bundle.js';

/**
 * The bundle's SUPI as a structure. An IMSI string does not say how long its MNC is; the SNPN's
 * MNC does when the IMSI is under the SNPN's PLMN ID (as the PS issues them), else 2 digits.
 */
export function bundleSupi(bundle: CredentialBundle): Supi {
  const { mcc, mnc } = bundle.snpn;
  const underSnpn = bundle.supi.startsWith(`imsi-${mcc}${mnc}`);
  return parseSupi(bundle.supi, underSnpn && mnc.length === 3 ? 3 : 2);
}

/**
 * The SUCI of the bundle's SUPI: the TS 29.503 form (suci-0-...) for an IMSI, the NAI form of
 * TS 23.003 28.7.3 (type1.rid...@realm) for an NAI, unless `form` says otherwise (an EAP
 * identity is always the NAI form). `ephemeralPrivateKey` reproduces vectors. Throws AkaError
 * (INVALID_KEY, INVALID_SUPI) when the delivered parameters cannot be used.
 */
export function computeSuci(
  bundle: CredentialBundle,
  options: { ephemeralPrivateKey?: Uint8Array; form?: SuciForm } = {},
): string {
  const { scheme, hnPublicKey, hnKeyId, routingIndicator } = bundle.suci;
  const conceal: ConcealOptions = { scheme, routingIndicator };
  if (scheme !== 'null') {
    conceal.hnKeyId = hnKeyId;
    if (hnPublicKey !== undefined) conceal.hnPublicKey = fromHex(hnPublicKey);
    if (options.ephemeralPrivateKey !== undefined) {
      conceal.ephemeralPrivateKey = options.ephemeralPrivateKey;
    }
  }
  return formatSuci(concealSupiToSuci(bundleSupi(bundle), conceal), options.form);
}
