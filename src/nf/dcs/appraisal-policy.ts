// The DCS's appraisal policy: from decoded Evidence, the endorsement of its UEID and the class's
// reference values to an AR4SI trustworthiness vector (draft-ietf-rats-ar4si) and a one-line
// reason. Pure: the service does the I/O and signs the result.
import { equalBytes, toHex } from '../../lib/bytes.js';
import { AR4SI, type TrustworthinessVector } from '../../lib/rats/ear.js';
import type { EndorsedDevice, ReferenceValues } from './endorsements.js';
import type { DecodedEvidence } from './evidence-formats.js';

export const APPRAISAL_POLICY_ID = 'policy:npn-onboard/dcs/v1';

export interface PolicyInput {
  evidence: DecodedEvidence;
  /** the nonce the relying party issued for this Evidence */
  expectedNonce: Uint8Array;
  /** the endorsement of the Evidence's UEID, if any */
  device: EndorsedDevice | undefined;
  /** whether the Evidence verifies with the endorsed AKM (false when there is none) */
  signatureValid: boolean;
  /** the device class's reference values, if the class has any */
  referenceValues: ReferenceValues | undefined;
}

export interface PolicyOutcome {
  trustworthinessVector: TrustworthinessVector;
  /** the first reason against the device, or "affirmed" */
  detail: string;
}

export function appraisalPolicy(input: PolicyInput): PolicyOutcome {
  const { evidence, device } = input;
  // Identity, signature, revocation and freshness first: without them nothing else is known.
  if (!device) {
    return verdict(
      { 'instance-identity': AR4SI.instanceIdentity.unrecognized },
      'UEID not endorsed',
    );
  }
  if (!input.signatureValid) {
    return verdict(
      { 'instance-identity': AR4SI.CRYPTO_VALIDATION_FAILED },
      'the signature or MAC does not verify with the endorsed AKM',
    );
  }
  if (device.revoked) {
    return verdict({ 'instance-identity': AR4SI.instanceIdentity.untrustworthy }, 'device revoked');
  }
  if (!equalBytes(evidence.nonce, input.expectedNonce)) {
    return verdict(
      { 'instance-identity': AR4SI.instanceIdentity.untrustworthy },
      'nonce mismatch: the Evidence was not made for this challenge (stale or replayed)',
    );
  }

  const vector: TrustworthinessVector = { 'instance-identity': AR4SI.instanceIdentity.trustworthy };
  const reasons: string[] = [];
  const against = (claim: keyof TrustworthinessVector, value: number, reason: string) => {
    if ((vector[claim] ?? 0) < value) vector[claim] = value;
    reasons.push(reason);
  };
  const claims = evidence.claims;

  // The endorsement pins the OEM and model: Evidence claiming others is not this device.
  if (claims && device.oemid !== undefined && !hexEquals(claims.oemid, device.oemid)) {
    against(
      'instance-identity',
      AR4SI.instanceIdentity.untrustworthy,
      'oemid differs from the endorsement',
    );
  }
  if (claims && device.hwmodel !== undefined && !hexEquals(claims.hwmodel, device.hwmodel)) {
    against(
      'instance-identity',
      AR4SI.instanceIdentity.untrustworthy,
      'hwmodel differs from the endorsement',
    );
  }

  const ref = input.referenceValues;
  if (ref && claims) {
    if (ref.swversions !== undefined) {
      const version = claims.swversion?.version;
      if (version === undefined || !ref.swversions.includes(version)) {
        against(
          'executables',
          AR4SI.executables.contraindicated,
          `software version ${version ?? '(none)'} is not accepted for class ${device.deviceClass}`,
        );
      } else {
        vector.executables ??= AR4SI.executables.approved;
      }
    }
    if (ref.requireOemboot === true) {
      if (claims.oemboot !== true) {
        against('executables', AR4SI.executables.contraindicated, 'oemboot is not true');
      } else {
        vector.executables ??= AR4SI.executables.approved;
      }
    }
    if (ref.measurements !== undefined) {
      const accepted = new Set(
        ref.measurements.map((m) => `${m.contentType}:${m.content.toLowerCase()}`),
      );
      const given = (claims.measurements ?? []).map((m) => `${m.contentType}:${toHex(m.content)}`);
      if (given.length === 0 || given.some((m) => !accepted.has(m))) {
        against(
          'executables',
          AR4SI.executables.contraindicated,
          'a measurement is not among the accepted ones',
        );
      } else {
        vector.executables ??= AR4SI.executables.approved;
      }
    }
    if (ref.dbgstat !== undefined) {
      if (claims.dbgstat === undefined || !ref.dbgstat.includes(claims.dbgstat)) {
        against(
          'configuration',
          AR4SI.configuration.unsupportable,
          `debug status ${claims.dbgstat ?? '(none)'} is not accepted for class ${device.deviceClass}`,
        );
      } else {
        vector.configuration = AR4SI.configuration.approved;
      }
    }
  }
  return verdict(vector, reasons[0] ?? 'affirmed');
}

function verdict(trustworthinessVector: TrustworthinessVector, detail: string): PolicyOutcome {
  return { trustworthinessVector, detail };
}

function hexEquals(value: Uint8Array | number | undefined, hex: string): boolean {
  return value instanceof Uint8Array && toHex(value) === hex.toLowerCase();
}
