// Step 1 at the Relying Party: the PS sends the Evidence with the nonce it issued to the DCS,
// verifies the EAR it gets back (signature against the DCS's JWKS, the nonce, the UEID), reads
// the AR4SI trustworthiness vector as a cause a device developer can act on, and applies its
// provisioning policy. The outcome is the rule to provision by and the attested cnf key.
import type { JWK } from 'jose';
import { equalBytes, fromBase64url, toHex } from '../../lib/bytes.js';
import {
  AR4SI,
  TRUSTWORTHINESS_CLAIMS,
  verifyEar,
  type Ear,
  type EarAppraisal,
  type EarStatus,
  type TrustworthinessVector,
} from '../../lib/rats/ear.js';
import { SbiClientError } from '../../sbi/client.js';
import { OnboardingFailure, TransientFailure } from './causes.js';
import type { PolicyRule } from './config.js';
import { encryptionKeyProblem, type ReceivedEvidence } from './evidence.js';
import { decide, policyNeedsDeviceClass } from './provisioning-policy.js';

/** What the PS needs of the DCS's verification API (DcsClient has it). */
export interface Verifier {
  appraise(
    evidence: { type: ReceivedEvidence['type']; value: string },
    nonce: Uint8Array,
  ): Promise<string>;
  keys(): Promise<{ keys: JWK[] }>;
}

/** What the PS may learn from the DCS's endorsement of a UEID (device class, revocation). */
export interface DeviceDirectory {
  deviceOf(ueidHex: string): Promise<{ deviceClass: string; revoked: boolean } | undefined>;
}

export interface AcceptedDevice {
  rule: PolicyRule;
  status: EarStatus;
  trustworthinessVector: TrustworthinessVector;
  /** the key the Evidence attested, which the bundle is encrypted to */
  cnf: JWK;
  deviceClass?: string;
}

/** The DCS's EAR-signing keys, fetched once and again when an EAR names a kid not among them. */
class EarKeys {
  #jwks: { keys: JWK[] } | undefined;
  #fetching: Promise<{ keys: JWK[] }> | undefined;

  constructor(private readonly verifier: Verifier) {}

  /** The cached set when it has the kid, else a fresh one; `fetched` tells which. */
  async forKid(kid: string | undefined): Promise<{ jwks: { keys: JWK[] }; fetched: boolean }> {
    const known = this.#jwks?.keys.some((k) => k.kid === kid) ?? false;
    if (this.#jwks && known) return { jwks: this.#jwks, fetched: false };
    return { jwks: await this.refetch(), fetched: true };
  }

  /** Fetches the set again (the DCS may have rotated a key under the same kid). */
  async refetch(): Promise<{ keys: JWK[] }> {
    // One fetch serves every appraisal waiting for it.
    this.#fetching ??= this.verifier.keys().finally(() => (this.#fetching = undefined));
    try {
      this.#jwks = await this.#fetching;
    } catch (err) {
      throw transient('the DCS key set', err);
    }
    return this.#jwks;
  }
}

export class Appraiser {
  readonly #keys: EarKeys;
  readonly #needsDeviceClass: boolean;

  constructor(
    private readonly verifier: Verifier,
    private readonly devices: DeviceDirectory,
    private readonly policy: readonly PolicyRule[],
  ) {
    this.#keys = new EarKeys(verifier);
    this.#needsDeviceClass = policyNeedsDeviceClass(policy);
  }

  /**
   * Has the Evidence appraised and decides. Throws OnboardingFailure with the cause for a device
   * that is refused, TransientFailure when the DCS cannot answer now.
   */
  async appraise(evidence: ReceivedEvidence, nonce: Uint8Array): Promise<AcceptedDevice> {
    let earJws: string;
    try {
      earJws = await this.verifier.appraise({ type: evidence.type, value: evidence.value }, nonce);
    } catch (err) {
      if (
        err instanceof SbiClientError &&
        err.status >= 400 &&
        err.status < 500 &&
        err.status !== 429
      ) {
        throw new OnboardingFailure(
          'EVIDENCE_MALFORMED',
          `the DCS refused the Evidence: ${err.problem?.detail ?? err.problemCause ?? `status ${err.status}`}`,
        );
      }
      throw transient('the DCS', err);
    }
    const ue = await this.#verifiedAppraisal(earJws, evidence, nonce);
    const vector = ue.trustworthinessVector;

    // What the vector says against the device, most specific first.
    if (TRUSTWORTHINESS_CLAIMS.some((c) => vector[c] === AR4SI.CRYPTO_VALIDATION_FAILED)) {
      throw new OnboardingFailure(
        'SIGNATURE_INVALID',
        'the Evidence does not verify with the attestation key endorsed for this UEID',
      );
    }
    const identity = vector['instance-identity'];
    if (identity === AR4SI.instanceIdentity.unrecognized) {
      throw new OnboardingFailure(
        'UEID_UNKNOWN',
        `no device is endorsed with UEID ${evidence.ueid}`,
      );
    }
    let device: { deviceClass: string; revoked: boolean } | undefined;
    if (identity === AR4SI.instanceIdentity.untrustworthy) {
      // The DCS says the same for a revoked device and for one whose oemid or hwmodel differ
      // from its endorsement; its endorsement tells which.
      device = await this.#deviceOf(evidence.ueid);
      if (device?.revoked === true) {
        throw new OnboardingFailure(
          'DEVICE_REVOKED',
          `the device ${evidence.ueid} is revoked at the DCS`,
        );
      }
      throw new OnboardingFailure(
        'POLICY_REJECTED',
        'the DCS found the device identity untrustworthy: its oemid or hwmodel differ from its endorsement',
      );
    }
    if (this.#needsDeviceClass) device = await this.#deviceOf(evidence.ueid);

    const decision = decide(this.policy, {
      status: ue.status,
      ...(device ? { deviceClass: device.deviceClass } : {}),
      ...(evidence.claims.oemid !== undefined ? { oemid: evidence.claims.oemid } : {}),
      ...(evidence.claims.hwmodel !== undefined ? { hwmodel: evidence.claims.hwmodel } : {}),
    });
    if (!decision.accepted) {
      const against = Object.entries(vector)
        .filter(([, v]) => v !== AR4SI.instanceIdentity.trustworthy && v !== 0)
        .map(([c, v]) => `${c} ${String(v)}`);
      throw new OnboardingFailure(
        'POLICY_REJECTED',
        `${decision.detail}${against.length > 0 ? ` (AR4SI: ${against.join(', ')})` : ''}`,
      );
    }
    // The DCS attests the cnf key only when the Evidence's signature verified.
    const keyProblem = encryptionKeyProblem(ue.cnf);
    if (keyProblem !== undefined || ue.cnf === undefined) {
      throw new OnboardingFailure(
        'VERIFIER_RESULT_INVALID',
        `the EAR's cnf: ${keyProblem ?? 'missing'}`,
      );
    }
    return {
      rule: decision.rule,
      status: ue.status,
      trustworthinessVector: vector,
      cnf: { kty: 'EC', crv: 'P-256', x: ue.cnf.x!, y: ue.cnf.y! },
      ...(device ? { deviceClass: device.deviceClass } : {}),
    };
  }

  /** The EAR's appraisal of this Evidence, once its signature, nonce and UEID check out. */
  async #verifiedAppraisal(
    earJws: string,
    evidence: ReceivedEvidence,
    nonce: Uint8Array,
  ): Promise<EarAppraisal> {
    const { jwks, fetched } = await this.#keys.forKid(kidOf(earJws));
    let verified = await verifyEar(earJws, jwks);
    // A cached key set that no longer verifies is fetched again, once.
    if (!verified.ok && !fetched) verified = await verifyEar(earJws, await this.#keys.refetch());
    if (!verified.ok) {
      throw new OnboardingFailure('VERIFIER_RESULT_INVALID', verified.error.message);
    }
    const ear: Ear = verified.value;
    if (ear.nonce === undefined || !equalBytes(ear.nonce, nonce)) {
      throw new OnboardingFailure(
        'VERIFIER_RESULT_INVALID',
        'the EAR is not about the nonce this PS issued',
      );
    }
    const ue = ear.submods.ue;
    if (ue === undefined || toHex(ue.ueid) !== evidence.ueid) {
      throw new OnboardingFailure(
        'VERIFIER_RESULT_INVALID',
        'the EAR does not appraise the UEID of the Evidence',
      );
    }
    return ue;
  }

  async #deviceOf(ueid: string): Promise<{ deviceClass: string; revoked: boolean } | undefined> {
    try {
      return await this.devices.deviceOf(ueid);
    } catch (err) {
      throw transient('the DCS endorsement API', err);
    }
  }
}

/** The kid of a compact JWS's protected header, if it can be read. */
function kidOf(jws: string): string | undefined {
  const header = fromBase64url(jws.split('.', 1)[0]);
  if (!header) return undefined;
  try {
    const kid = (JSON.parse(Buffer.from(header).toString('utf8')) as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

function transient(what: string, err: unknown): TransientFailure {
  const reason = err instanceof Error ? err.message : String(err);
  return new TransientFailure(`${what} did not answer: ${reason}`);
}
