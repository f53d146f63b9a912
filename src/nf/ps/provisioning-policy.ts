// The PS's provisioning policy (a Relying Party's appraisal policy for Attestation Results):
// which rule of the configuration applies to an appraised device, and whether the rule accepts
// the EAR's status. Pure: the appraisal gathers the facts, this decides.
import { toHex } from '../../lib/bytes.js';
import type { EarStatus } from '../../lib/rats/ear.js';
import type { OemId, PolicyRule } from './config.js';

/** What the PS knows about an appraised device when it applies its policy. */
export interface AppraisedDevice {
  status: EarStatus;
  /** from the DCS's endorsement, when a rule needs it */
  deviceClass?: string;
  /** the Evidence's claims, which the DCS checked against the endorsement when it pins them */
  oemid?: Uint8Array | number;
  hwmodel?: Uint8Array;
}

export type PolicyDecision =
  { accepted: true; rule: PolicyRule } | { accepted: false; rule?: PolicyRule; detail: string };

/** True when some rule matches on the device class, which only the DCS's endorsement knows. */
export function policyNeedsDeviceClass(policy: readonly PolicyRule[]): boolean {
  return policy.some((rule) => rule.match.deviceClass !== undefined);
}

/** The first rule that matches the device decides; it must accept the EAR's status. */
export function decide(policy: readonly PolicyRule[], device: AppraisedDevice): PolicyDecision {
  const rule = policy.find((r) => matches(r, device));
  if (!rule) {
    return { accepted: false, detail: 'no rule of the provisioning policy matches this device' };
  }
  if (!rule.accept.includes(device.status)) {
    return {
      accepted: false,
      rule,
      detail: `the appraisal's status is ${device.status}; rule ${rule.name} accepts ${rule.accept.join(', ')}`,
    };
  }
  return { accepted: true, rule };
}

function matches(rule: PolicyRule, device: AppraisedDevice): boolean {
  const { deviceClass, oemid, hwmodel } = rule.match;
  if (
    deviceClass &&
    (device.deviceClass === undefined || !deviceClass.includes(device.deviceClass))
  ) {
    return false;
  }
  if (oemid && !oemid.some((o) => oemidEquals(o, device.oemid))) return false;
  if (hwmodel && (device.hwmodel === undefined || !hwmodel.includes(toHex(device.hwmodel)))) {
    return false;
  }
  return true;
}

function oemidEquals(expected: OemId, actual: Uint8Array | number | undefined): boolean {
  if (actual === undefined) return false;
  if ('pen' in expected) return actual === expected.pen;
  return actual instanceof Uint8Array && toHex(actual) === expected.hex;
}
