// Evidence formats behind one small interface (the Veraison "scheme" idea): the appraisal asks a
// format to decode the token without a key, learns the UEID and nonce from it, looks the AKM up,
// and asks the format to verify with that key. Adding a format touches this file only.
import type { JWK } from 'jose';
import type { EatClaims } from '../../lib/rats/eat-claims.js';
import { parseEatCwt, verifyEatCwt } from '../../lib/rats/eat-cwt.js';
import { fail, type Result } from '../../lib/rats/errors.js';
import { parseEatJwt, verifyEatJwt } from '../../lib/rats/eat-jwt.js';
import { parsePsaToken, verifyPsaToken } from '../../lib/rats/psa.js';

export type EvidenceMediaType =
  'application/eat+cwt' | 'application/eat+jwt' | 'application/psa-attestation-token';

/** Evidence decoded without a key: what the appraisal needs from any format. */
export interface DecodedEvidence {
  /** the UEID (PSA: the Instance ID), which names the AKM */
  ueid: Uint8Array;
  nonce: Uint8Array;
  /** EAT claims, for the formats of this project's profile */
  claims?: EatClaims;
  /** the key the Evidence attests (cnf) */
  cnf?: JWK;
  /** checks the signature or MAC with the endorsed AKM; never throws */
  verify(akm: JWK): Promise<boolean>;
}

export interface EvidenceFormat {
  mediaType: EvidenceMediaType;
  /** `value` is the token: bytes for CBOR formats, text for JWT */
  decode(value: Uint8Array): Result<DecodedEvidence>;
}

/** Both forms of the project's EAT profile carry the same claims: UEID, nonce and cnf from them. */
function fromEatClaims(
  claims: EatClaims,
  verify: (akm: JWK) => Promise<boolean>,
): Result<DecodedEvidence> {
  return {
    ok: true,
    value: { ueid: claims.ueid, nonce: claims.nonce, claims, cnf: claims.cnf, verify },
  };
}

export const eatCwt: EvidenceFormat = {
  mediaType: 'application/eat+cwt',
  decode(value) {
    const parsed = parseEatCwt(value);
    if (!parsed.ok) return parsed;
    const token = parsed.value;
    return fromEatClaims(token.claims, async (akm) => verifyEatCwt(token, akm));
  },
};

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

export const eatJwt: EvidenceFormat = {
  mediaType: 'application/eat+jwt',
  decode(value) {
    let text: string;
    try {
      text = utf8Fatal.decode(value);
    } catch {
      return fail('EVIDENCE_MALFORMED', 'a JWT is ASCII text; these bytes are not even UTF-8');
    }
    const parsed = parseEatJwt(text);
    if (!parsed.ok) return parsed;
    const token = parsed.value;
    return fromEatClaims(token.claims, (akm) => verifyEatJwt(token, akm));
  },
};

/** Arm PSA tokens: the Instance ID names the IAK, endorsed like a UEID. */
export const psaToken: EvidenceFormat = {
  mediaType: 'application/psa-attestation-token',
  decode(value) {
    const parsed = parsePsaToken(value);
    if (!parsed.ok) return parsed;
    const token = parsed.value;
    return {
      ok: true,
      value: {
        ueid: token.claims.instanceId,
        nonce: token.claims.nonce,
        verify: async (iak) => verifyPsaToken(token, iak),
      },
    };
  },
};

/** The formats the DCS appraises, by media type. */
export function evidenceFormats(
  ...formats: EvidenceFormat[]
): Map<EvidenceMediaType, EvidenceFormat> {
  return new Map(formats.map((f) => [f.mediaType, f]));
}
