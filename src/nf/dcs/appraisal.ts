// The verification side of the DCS (RATS background-check model): Evidence and the relying
// party's nonce in, a signed EAR out. Any Evidence that decodes gets an EAR, whatever its
// outcome; only Evidence that does not decode is refused (400, EVIDENCE_MALFORMED). Every
// appraisal is recorded in the audit trail.
import { calculateJwkThumbprint, type JWK } from 'jose';
import { toHex } from '../../lib/bytes.js';
import { EAR_PROFILE, EarSigner, statusOf, type Ear, type EarStatus } from '../../lib/rats/ear.js';
import { problem } from '../../sbi/problem-details.js';
import { APPRAISAL_POLICY_ID, appraisalPolicy } from './appraisal-policy.js';
import type { EndorsementService } from './endorsements.js';
import type { EvidenceFormat, EvidenceMediaType } from './evidence-formats.js';

export interface EarSigningKey {
  /** private ES256 key (EC P-256) */
  privateJwk: JWK;
  kid: string;
}

export interface AppraisalResult {
  ear: string;
  status: EarStatus;
}

const VERIFIER_ID = { build: 'npn-onboard-dcs 0.1.0', developer: 'npn-onboard' };

/** An EAR signing key's kid: its RFC 7638 thumbprint. */
export function earKeyId(privateJwk: JWK): Promise<string> {
  return calculateJwkThumbprint({
    kty: 'EC',
    crv: privateJwk.crv,
    x: privateJwk.x,
    y: privateJwk.y,
  } as JWK);
}

export class AppraisalService {
  readonly #publicJwk: JWK;
  readonly #signer: EarSigner;

  constructor(
    private readonly endorsements: EndorsementService,
    private readonly formats: Map<EvidenceMediaType, EvidenceFormat>,
    signingKey: EarSigningKey,
  ) {
    const { kty, crv, x, y } = signingKey.privateJwk;
    this.#publicJwk = { kty, crv, x, y, kid: signingKey.kid, alg: 'ES256', use: 'sig' } as JWK;
    this.#signer = new EarSigner(signingKey.privateJwk, signingKey.kid);
  }

  /** The JWKS that verifies this DCS's EARs. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.#publicJwk] };
  }

  async appraise(type: string, value: Uint8Array, nonce: Uint8Array): Promise<AppraisalResult> {
    const format = this.formats.get(type as EvidenceMediaType);
    if (!format) {
      throw problem(
        400,
        'EVIDENCE_TYPE_UNSUPPORTED',
        `Evidence of type ${type} is not appraised here`,
        [
          {
            param: '/evidence/type',
            reason: `expected one of ${[...this.formats.keys()].join(', ')}`,
          },
        ],
      );
    }
    const decoded = format.decode(value);
    if (!decoded.ok) {
      throw problem(400, decoded.error.code, decoded.error.message, [
        { param: '/evidence/value', reason: decoded.error.message },
      ]);
    }
    const evidence = decoded.value;
    const ueid = toHex(evidence.ueid);
    const { device, referenceValues } = await this.endorsements.appraisalInputs(ueid);
    const signatureValid = device ? await evidence.verify(device.akm) : false;
    const outcome = appraisalPolicy({
      evidence,
      expectedNonce: nonce,
      device,
      signatureValid,
      referenceValues,
    });
    const status = statusOf(outcome.trustworthinessVector);

    await this.endorsements.recordAppraisal({
      ueid,
      status,
      trustworthinessVector: outcome.trustworthinessVector,
      appraisalPolicyId: APPRAISAL_POLICY_ID,
      detail: outcome.detail,
    });
    const ear: Ear = {
      eatProfile: EAR_PROFILE,
      iat: Math.floor(Date.now() / 1000),
      verifierId: VERIFIER_ID,
      nonce,
      submods: {
        ue: {
          status,
          trustworthinessVector: outcome.trustworthinessVector,
          appraisalPolicyId: APPRAISAL_POLICY_ID,
          ueid: evidence.ueid,
          // The key is attested only when the Evidence's signature verified.
          ...(signatureValid && evidence.cnf ? { cnf: evidence.cnf } : {}),
        },
      },
    };
    return { ear: this.#signer.sign(ear), status };
  }
}
