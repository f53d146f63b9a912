// The SIDF (TS 33.501 6.12.2, 6.12.4): de-conceals a SUCI into its SUPI with the home network
// private key that the SUCI's protection scheme and key identifier name. Both written forms of the
// SUCI are read (TS 29.503 `suci-...` and the NAI of TS 23.003 28.7.3), with the null scheme,
// ECIES Profile A and Profile B, and IMSI and NAI SUPIs (src/lib/aka/suci.ts does the bytes).
//
// Two SUCI texts have more than one valid reading, and the SIDF settles both the same way:
//   - `suci-1-<realm>-<RI>-0-0-<username>` when the realm itself ends in `-<1 to 4 digits>` and
//     the username starts `<digits>-0-0-`, e.g. `suci-1-aa.a-9-0-0-0-a`: realm `aa.a`, RI 9,
//     username `0-a`; or realm `aa.a-9`, RI 0, username `a` (test/lib/aka/suci.test.ts);
//   - an IMSI-based SUCI in NAI form whose realm reads `mnc0XY`: MNC XY, or the 3-digit MNC 0XY.
// Every reading is de-concealed; when they give different SUPIs, the one with an authentication
// subscription at this UDM wins; when none or several have one, the parser's reading (the
// shortest realm; a 2-digit MNC for a leading 0, as TS 29.503 Annex C writes it) is taken. No
// real realm is harmed by this: a DNS top-level label never ends in digits. A UE can always
// avoid the question by sending the NAI form, which is unambiguous for NAI SUPIs.
import { AkaError } from '../../lib/aka/errors.js';
import { checkSuci, parseSuci, revealSuci, type Suci } from '../../lib/aka/suci.js';
import { formatSupi } from '../../lib/aka/supi.js';
import { UdmAuthError } from './ueau-errors.js';

/** Where the SIDF finds a home network private key (HomeNetworkKeyService has this shape). */
export interface HnPrivateKeySource {
  /**
   * The 32-byte private key of a scheme and key id, or undefined when the UDM has none. The
   * source keeps it (the same array each time, so its imported key object is reused): read only.
   */
  homeNetworkPrivateKey(scheme: 'A' | 'B', hnKeyId: number): Promise<Uint8Array | undefined>;
}

/** Does this SUPI have an authentication subscription here? (settles ambiguous readings) */
export type SubscribedCheck = (supi: string) => Promise<boolean>;

/** A SUCI in either form (a SUPI starts imsi- or nai-, never suci- or type). */
export function isSuciText(text: string): boolean {
  return text.startsWith('suci-') || text.startsWith('type');
}

/** AkaErrors of the parser as the causes of TS 29.503. */
function malformed(err: unknown): UdmAuthError {
  if (err instanceof AkaError && err.code === 'UNSUPPORTED_SCHEME') {
    return new UdmAuthError('UNSUPPORTED_PROTECTION_SCHEME', err.message);
  }
  const reason = err instanceof AkaError ? `: ${err.message}` : '';
  return new UdmAuthError('MANDATORY_IE_INCORRECT', `the SUCI is malformed${reason}`, 'supiOrSuci');
}

const readingKey = (suci: Suci) =>
  JSON.stringify([
    suci.supiType === 'nai' ? suci.realm : `${suci.mcc}-${suci.mnc}`,
    suci.routingIndicator,
    suci.schemeOutput.scheme === 'null' ? suci.schemeOutput.userId : suci.hnKeyId,
  ]);

/**
 * Every valid reading of a SUCI text, the parser's own first. Throws what parseSuci throws when
 * the text has no reading at all.
 */
export function suciReadings(text: string): Suci[] {
  const first = parseSuci(text);
  const readings = [first];
  const seen = new Set([readingKey(first)]);
  const add = (suci: Suci) => {
    try {
      checkSuci(suci);
    } catch {
      return;
    }
    const key = readingKey(suci);
    if (!seen.has(key)) {
      seen.add(key);
      readings.push(suci);
    }
  };
  if (text.startsWith('suci-1-') && first.schemeOutput.scheme === 'null') {
    // Each place `-<RI>-0-0-` could end the realm (matches may overlap: scan one step on).
    const rest = text.slice('suci-1-'.length);
    const split = /-(\d{1,4})-0-0-/g;
    for (let m = split.exec(rest); m !== null; m = split.exec(rest)) {
      split.lastIndex = m.index + 1;
      add({
        supiType: 'nai',
        realm: rest.slice(0, m.index),
        routingIndicator: m[1]!,
        hnKeyId: 0,
        schemeOutput: { scheme: 'null', userId: rest.slice(m.index + m[0].length) },
      });
    }
  }
  if (text.startsWith('type0.') && first.supiType === 'imsi' && first.mnc.length === 2) {
    try {
      add(parseSuci(text, { mncLength: 3 }));
    } catch {
      // the IMSI would exceed 15 digits with a 3-digit MNC: no second reading
    }
  }
  return readings;
}

export class Sidf {
  constructor(private readonly keys: HnPrivateKeySource) {}

  /**
   * The SUPI (TS 29.571 string form) a SUCI conceals. Throws UdmAuthError:
   * MANDATORY_IE_INCORRECT (malformed, or a null-scheme SUCI that holds no SUPI, such as the
   * anonymous one), UNSUPPORTED_PROTECTION_SCHEME (schemes 3-15), INVALID_HN_PUBLIC_KEY_IDENTIFIER
   * (no key of that scheme and id here), INVALID_SCHEME_OUTPUT (the MAC does not verify, or the
   * plaintext is no MSIN or username).
   */
  async deconceal(text: string, isSubscribed?: SubscribedCheck): Promise<string> {
    let readings: Suci[];
    try {
      readings = suciReadings(text);
    } catch (err) {
      throw malformed(err);
    }
    // The parser's reading decides the failure; another reading that fails is no reading.
    const supis = [await this.#reveal(readings[0]!)];
    for (const suci of readings.slice(1)) {
      const supi = await this.#reveal(suci).catch(() => undefined);
      if (supi !== undefined && !supis.includes(supi)) supis.push(supi);
    }
    if (supis.length > 1 && isSubscribed) {
      for (const supi of supis) if (await isSubscribed(supi)) return supi;
    }
    return supis[0]!;
  }

  async #reveal(suci: Suci): Promise<string> {
    const out = suci.schemeOutput;
    if (out.scheme === 'null') {
      try {
        return formatSupi(revealSuci(suci));
      } catch (err) {
        throw malformed(err);
      }
    }
    const key = await this.keys.homeNetworkPrivateKey(out.scheme, suci.hnKeyId);
    if (key === undefined) {
      throw new UdmAuthError(
        'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
        `this UDM holds no Profile ${out.scheme} home network key with identifier ${suci.hnKeyId}`,
      );
    }
    try {
      return formatSupi(revealSuci(suci, key));
    } catch (err) {
      if (
        err instanceof AkaError &&
        (err.code === 'SUCI_MAC_FAILURE' || err.code === 'INVALID_SUCI')
      ) {
        throw new UdmAuthError(
          'INVALID_SCHEME_OUTPUT',
          err.code === 'SUCI_MAC_FAILURE'
            ? `the SUCI's MAC tag does not verify with the Profile ${out.scheme} key ${suci.hnKeyId}`
            : `the SUCI's scheme output does not open to a SUPI (${err.message})`,
        );
      }
      throw err;
    }
  }
}
