// Arm PSA initial attestation tokens (RFC 9783) as Evidence: a claims map in a tagged COSE_Sign1
// (18) or COSE_Mac0 (17), signed or MACed with the device's Initial Attestation Key (IAK).
// Decoding needs no key: the verifier reads the Instance ID (the UEID) to look the IAK up, then
// verifies. Nothing here throws on input, whatever the bytes.
//
// Profiles (the eat_profile claim, 265):
// - `tag:psacertified.org,2023:psa#tfm`, the profile of RFC 9783 (boot seed in EAT bootseed 268,
//   certification reference in EAN-13+5 form);
// - `http://arm.com/psa/2.0.0`, the profile of the drafts before it (draft-tschofenig-rats-psa-
//   token-13; "P2" in Veraison's psatoken): the same claim keys, except the boot seed in 2397,
//   and a certification reference in EAN-13 or EAN-13+5 form.
// The first PSA profile, `PSA_IOT_PROFILE_1` with the private-use claim keys -75000 to -75010, is
// not supported: such a token is refused with a detail that says so.
//
// Algorithms: RFC 9783 (clause 5.2) asks receivers to accept ES256, ES384 and ES512 (COSE_Sign1)
// and HMAC 256/256, 384/384 and 512/512 (COSE_Mac0). cose.ts implements ES256 and HMAC 256/256,
// so those two are accepted; the others are refused with UNSUPPORTED_ALGORITHM.
import type { JWK } from 'jose';
import { CBOR_TAG, decodeCbor, encodeCbor } from './cbor.js';
import { algForKey, createCose, decodeCose, verifyCose, type CoseAlg } from './cose.js';
import { RatsError, fail, ok, type Result } from './errors.js';

/** The eat_profile values understood here. */
export const PSA_PROFILE = {
  /** RFC 9783 clause 5.2 (the TF-M profile) */
  RFC9783: 'tag:psacertified.org,2023:psa#tfm',
  /** draft-tschofenig-rats-psa-token-13 and earlier (Veraison's "P2") */
  PSA_2_0_0: 'http://arm.com/psa/2.0.0',
} as const;
export type PsaProfile = (typeof PSA_PROFILE)[keyof typeof PSA_PROFILE];

/** CWT claim keys of the PSA token (RFC 9783 clause 4 and its CDDL). */
export const PSA_CLAIM = {
  /** EAT nonce */
  nonce: 10,
  /** EAT ueid */
  instanceId: 256,
  /** EAT eat_profile */
  profile: 265,
  /** EAT bootseed, RFC 9783 profile */
  bootSeed: 268,
  clientId: 2394,
  securityLifecycle: 2395,
  implementationId: 2396,
  /** boot seed of the http://arm.com/psa/2.0.0 profile */
  bootSeedPsa2: 2397,
  certificationReference: 2398,
  softwareComponents: 2399,
  verificationServiceIndicator: 2400,
} as const;

/** Claim names used in error details (the names of RFC 9783's CDDL). */
const NAME: Record<number, string> = {
  [PSA_CLAIM.nonce]: 'psa-nonce (10)',
  [PSA_CLAIM.instanceId]: 'psa-instance-id (256)',
  [PSA_CLAIM.profile]: 'eat_profile (265)',
  [PSA_CLAIM.bootSeed]: 'psa-boot-seed (268)',
  [PSA_CLAIM.clientId]: 'psa-client-id (2394)',
  [PSA_CLAIM.securityLifecycle]: 'psa-security-lifecycle (2395)',
  [PSA_CLAIM.implementationId]: 'psa-implementation-id (2396)',
  [PSA_CLAIM.bootSeedPsa2]: 'psa-boot-seed (2397)',
  [PSA_CLAIM.certificationReference]: 'psa-certification-reference (2398)',
  [PSA_CLAIM.softwareComponents]: 'psa-software-components (2399)',
  [PSA_CLAIM.verificationServiceIndicator]: 'psa-verification-service-indicator (2400)',
};

/** Keys of a software component map (RFC 9783 clause 4.4.1). */
export const PSA_SW_COMPONENT = {
  measurementType: 1,
  measurementValue: 2,
  version: 4,
  signerId: 5,
  measurementDesc: 6,
} as const;

/** Major security lifecycle states (RFC 9783 clause 4.3.1), by the high byte of the value. */
export type PsaLifecycleState =
  | 'unknown'
  | 'assembly-and-test'
  | 'psa-rot-provisioning'
  | 'secured'
  | 'non-psa-rot-debug'
  | 'recoverable-psa-rot-debug'
  | 'decommissioned';

const LIFECYCLE_MAJOR: ReadonlyMap<number, PsaLifecycleState> = new Map([
  [0x00, 'unknown'],
  [0x10, 'assembly-and-test'],
  [0x20, 'psa-rot-provisioning'],
  [0x30, 'secured'],
  [0x40, 'non-psa-rot-debug'],
  [0x50, 'recoverable-psa-rot-debug'],
  [0x60, 'decommissioned'],
]);

/**
 * The major state of a security lifecycle value (major in bits 15:8, an implementation-defined
 * minor state in bits 7:0), or undefined outside the ranges RFC 9783 defines.
 */
export function psaLifecycleState(value: number): PsaLifecycleState | undefined {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff) return undefined;
  return LIFECYCLE_MAJOR.get(value >> 8);
}

export interface PsaSoftwareComponent {
  /** role of the component, e.g. "BL", "PRoT", "ARoT", "App", "TS" (optional) */
  measurementType?: string;
  /** hash of the component at startup: 32, 48 or 64 bytes */
  measurementValue: Uint8Array;
  /** version from the component's signed manifest (optional) */
  version?: string;
  /** hash of the signer's public key: 32, 48 or 64 bytes */
  signerId: Uint8Array;
  /** hash algorithm of measurementValue, e.g. "sha-256" (optional) */
  measurementDesc?: string;
}

export interface PsaClaims {
  /** eat_profile (265) */
  profile: PsaProfile;
  /** psa-nonce (10): 32, 48 or 64 bytes, never an array */
  nonce: Uint8Array;
  /** psa-instance-id (256): the UEID, 0x01 (RAND) then the 32-byte IAK identifier */
  instanceId: Uint8Array;
  /** psa-implementation-id (2396): 32 bytes */
  implementationId: Uint8Array;
  /** psa-client-id (2394): security domain of the caller, negative for NSPE, positive for SPE */
  clientId: number;
  /** psa-security-lifecycle (2395): see psaLifecycleState */
  securityLifecycle: number;
  /** psa-boot-seed (268, or 2397 in the 2.0.0 profile): 8 to 32 bytes (optional) */
  bootSeed?: Uint8Array;
  /** psa-certification-reference (2398): EAN-13+5 ("1234567890123-12345"), or EAN-13 in 2.0.0 */
  certificationReference?: string;
  /** psa-software-components (2399): at least one */
  softwareComponents: PsaSoftwareComponent[];
  /** psa-verification-service-indicator (2400), a hint only (optional) */
  verificationServiceIndicator?: string;
}

/** A decoded, not yet verified, PSA token: its claims and what verification needs. */
export interface ParsedPsaToken {
  claims: PsaClaims;
  profile: PsaProfile;
  /** the major state of claims.securityLifecycle */
  lifecycleState: PsaLifecycleState;
  form: 'sign1' | 'mac0';
  /** ES256 (COSE_Sign1) or HS256, i.e. HMAC 256/256 (COSE_Mac0) */
  alg: CoseAlg;
  /** COSE kid (label 4), when the token carries one */
  kid?: Uint8Array;
  /** the serialized protected header, as signed */
  protected: Uint8Array;
  /** the claims map, as signed */
  payload: Uint8Array;
  /** the signature (sign1) or the tag (mac0) */
  signature: Uint8Array;
}

const MALFORMED = 'EVIDENCE_MALFORMED';

/** The algorithms of RFC 9783 this implementation has (cose.ts has no ES384/ES512/HMAC 384, 512). */
const PSA_ALGS: readonly CoseAlg[] = ['ES256', 'HS256'];

const UNSUPPORTED_ALGS_NOTE =
  'RFC 9783 also allows ES384, ES512, HMAC 384/384 and HMAC 512/512, which this verifier does not implement; it accepts ES256 (COSE_Sign1) and HMAC 256/256 (COSE_Mac0)';

/** Decodes a PSA token without a key. Never throws, whatever the bytes. */
export function parsePsaToken(bytes: Uint8Array): Result<ParsedPsaToken> {
  try {
    return parse(bytes);
  } catch (e) {
    // defence in depth: every path returns a Result; reaching this is a bug in the decoder
    const detail = e instanceof Error ? e.message : String(e);
    return fail(MALFORMED, `PSA token: unexpected decoder failure: ${detail}`);
  }
}

function parse(bytes: Uint8Array): Result<ParsedPsaToken> {
  // RFC 9783 clause 5.1: a tagged COSE_Sign1 (18) or COSE_Mac0 (17), nothing around it
  const cose = decodeCose(bytes, { tags: [CBOR_TAG.COSE_Sign1, CBOR_TAG.COSE_Mac0] });
  if (!cose.ok) {
    if (cose.error.code === 'UNSUPPORTED_ALGORITHM') {
      return fail(
        'UNSUPPORTED_ALGORITHM',
        `PSA token: ${cose.error.message}. ${UNSUPPORTED_ALGS_NOTE}`,
      );
    }
    return fail(cose.error.code, `PSA token: ${cose.error.message}`);
  }
  const msg = cose.value;
  if (!msg.coseTag) {
    return fail(MALFORMED, 'PSA token: must be a tagged COSE_Sign1 (18) or COSE_Mac0 (17)');
  }
  if (!PSA_ALGS.includes(msg.alg)) {
    return fail(
      'UNSUPPORTED_ALGORITHM',
      `PSA token: alg ${msg.alg} is not a PSA algorithm. ${UNSUPPORTED_ALGS_NOTE}`,
    );
  }
  const decoded = decodeCbor(msg.payload, { tags: [] });
  if (!decoded.ok) return fail(MALFORMED, `PSA claims: ${decoded.error.message}`);
  if (!(decoded.value instanceof Map)) return fail(MALFORMED, 'PSA claims: expected a map');
  const claims = claimsFromMap(decoded.value as Map<unknown, unknown>);
  if (!claims.ok) return claims;
  const c = claims.value;
  return ok({
    claims: c,
    profile: c.profile,
    // claimsFromMap accepted only values in a defined range
    lifecycleState: psaLifecycleState(c.securityLifecycle) ?? 'unknown',
    form: msg.form,
    alg: msg.alg,
    ...(msg.kid === undefined ? {} : { kid: msg.kid }),
    protected: msg.protected,
    payload: msg.payload,
    signature: msg.signature,
  });
}

/** psa-hash-type: 32, 48 or 64 bytes. */
function isHash(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array &&
    (value.length === 32 || value.length === 48 || value.length === 64)
  );
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const EAN13_5 = /^[0-9]{13}-[0-9]{5}$/;
const EAN13_OR_EAN13_5 = /^[0-9]{13}(?:-[0-9]{5})?$/;

/** Claim keys of PSA_IOT_PROFILE_1, the first PSA profile: -75000 to -75010. */
function hasProfile1Keys(m: Map<unknown, unknown>): boolean {
  for (const key of m.keys()) if (isInt(key) && key <= -75000 && key >= -75010) return true;
  return false;
}

/**
 * Checks the claims map of a PSA token and returns its typed claims: each claim's type and size,
 * the mandatory claims, the profile. Unknown claims are ignored (RFC 9783 clause 5.1).
 */
function claimsFromMap(m: Map<unknown, unknown>): Result<PsaClaims> {
  const bad = (key: number, expects: string): Result<PsaClaims> =>
    fail(MALFORMED, `claim ${NAME[key] ?? String(key)}: ${expects}`);
  const missing = (key: number): Result<PsaClaims> =>
    bad(key, 'missing; it must be present in a PSA token');

  const profileValue = m.get(PSA_CLAIM.profile);
  if (profileValue === undefined) {
    if (hasProfile1Keys(m)) {
      return bad(
        PSA_CLAIM.profile,
        'missing; the token uses the claim keys -75000 to -75010 of PSA_IOT_PROFILE_1, a profile this verifier does not support',
      );
    }
    return missing(PSA_CLAIM.profile);
  }
  if (typeof profileValue !== 'string') return bad(PSA_CLAIM.profile, 'expected a text string');
  if (profileValue !== PSA_PROFILE.RFC9783 && profileValue !== PSA_PROFILE.PSA_2_0_0) {
    return bad(
      PSA_CLAIM.profile,
      `${JSON.stringify(profileValue.slice(0, 64))} is not a supported PSA profile (${PSA_PROFILE.RFC9783}, ${PSA_PROFILE.PSA_2_0_0})`,
    );
  }
  const profile: PsaProfile = profileValue;
  const rfc = profile === PSA_PROFILE.RFC9783;

  const nonce = m.get(PSA_CLAIM.nonce);
  if (nonce === undefined) return missing(PSA_CLAIM.nonce);
  if (Array.isArray(nonce)) {
    return bad(PSA_CLAIM.nonce, 'a single nonce is required; the array form must not be used');
  }
  if (!isHash(nonce)) return bad(PSA_CLAIM.nonce, 'expected a byte string of 32, 48 or 64 bytes');

  const instanceId = m.get(PSA_CLAIM.instanceId);
  if (instanceId === undefined) return missing(PSA_CLAIM.instanceId);
  if (!(instanceId instanceof Uint8Array) || instanceId.length !== 33 || instanceId[0] !== 0x01) {
    return bad(
      PSA_CLAIM.instanceId,
      'expected a byte string of 33 bytes: 0x01 (UEID type RAND), then the 32-byte IAK identifier',
    );
  }

  const implementationId = m.get(PSA_CLAIM.implementationId);
  if (implementationId === undefined) return missing(PSA_CLAIM.implementationId);
  if (!(implementationId instanceof Uint8Array) || implementationId.length !== 32) {
    return bad(PSA_CLAIM.implementationId, 'expected a byte string of 32 bytes');
  }

  const clientId = m.get(PSA_CLAIM.clientId);
  if (clientId === undefined) return missing(PSA_CLAIM.clientId);
  if (!isInt(clientId) || clientId < INT32_MIN || clientId > INT32_MAX) {
    return bad(PSA_CLAIM.clientId, 'expected a signed 32-bit integer');
  }
  if (rfc && clientId === 0) {
    return bad(PSA_CLAIM.clientId, '0 is not permitted (negative: NSPE, positive: SPE)');
  }

  const lifecycle = m.get(PSA_CLAIM.securityLifecycle);
  if (lifecycle === undefined) return missing(PSA_CLAIM.securityLifecycle);
  if (!isInt(lifecycle) || lifecycle < 0) {
    return bad(PSA_CLAIM.securityLifecycle, 'expected an unsigned integer');
  }
  if (psaLifecycleState(lifecycle) === undefined) {
    return bad(
      PSA_CLAIM.securityLifecycle,
      `0x${lifecycle.toString(16)} is outside the defined ranges (0x0000-0x00ff unknown, 0x1000-0x10ff assembly-and-test, 0x2000-0x20ff psa-rot-provisioning, 0x3000-0x30ff secured, 0x4000-0x40ff non-psa-rot-debug, 0x5000-0x50ff recoverable-psa-rot-debug, 0x6000-0x60ff decommissioned)`,
    );
  }

  const bootSeedKey = rfc ? PSA_CLAIM.bootSeed : PSA_CLAIM.bootSeedPsa2;
  const bootSeed = m.get(bootSeedKey);
  if (bootSeed !== undefined) {
    if (!(bootSeed instanceof Uint8Array) || bootSeed.length < 8 || bootSeed.length > 32) {
      return bad(bootSeedKey, 'expected a byte string of 8 to 32 bytes');
    }
  }

  const certRef = m.get(PSA_CLAIM.certificationReference);
  if (certRef !== undefined) {
    if (typeof certRef !== 'string' || !(rfc ? EAN13_5 : EAN13_OR_EAN13_5).test(certRef)) {
      return bad(
        PSA_CLAIM.certificationReference,
        rfc
          ? 'expected text of the form EAN-13+5: thirteen digits, "-", five digits'
          : 'expected text of the form EAN-13 (thirteen digits) or EAN-13+5 (thirteen digits, "-", five digits)',
      );
    }
  }

  const vsi = m.get(PSA_CLAIM.verificationServiceIndicator);
  if (vsi !== undefined && typeof vsi !== 'string') {
    return bad(PSA_CLAIM.verificationServiceIndicator, 'expected a text string');
  }

  const swValue = m.get(PSA_CLAIM.softwareComponents);
  if (swValue === undefined) return missing(PSA_CLAIM.softwareComponents);
  if (!Array.isArray(swValue) || swValue.length === 0) {
    return bad(PSA_CLAIM.softwareComponents, 'expected a non-empty array of maps');
  }
  const softwareComponents: PsaSoftwareComponent[] = [];
  for (const [i, item] of (swValue as unknown[]).entries()) {
    const component = softwareComponent(item);
    if (typeof component === 'string') {
      return bad(PSA_CLAIM.softwareComponents, `component ${i}: ${component}`);
    }
    softwareComponents.push(component);
  }

  return ok({
    profile,
    nonce,
    instanceId,
    implementationId,
    clientId,
    securityLifecycle: lifecycle,
    ...(bootSeed === undefined ? {} : { bootSeed: bootSeed as Uint8Array }),
    ...(certRef === undefined ? {} : { certificationReference: certRef as string }),
    softwareComponents,
    ...(vsi === undefined ? {} : { verificationServiceIndicator: vsi }),
  });
}

/** One software component, or what is wrong with it. */
function softwareComponent(item: unknown): PsaSoftwareComponent | string {
  if (!(item instanceof Map)) return 'expected a map';
  const c = item as Map<unknown, unknown>;
  const K = PSA_SW_COMPONENT;
  const text = (key: number): string | undefined | false => {
    const v = c.get(key);
    if (v === undefined) return undefined;
    return typeof v === 'string' ? v : false;
  };
  const measurementType = text(K.measurementType);
  if (measurementType === false) return 'measurement-type (1) must be a text string';
  const measurementValue = c.get(K.measurementValue);
  if (measurementValue === undefined) return 'measurement-value (2) is missing';
  if (!isHash(measurementValue)) {
    return 'measurement-value (2) must be a byte string of 32, 48 or 64 bytes';
  }
  const version = text(K.version);
  if (version === false) return 'version (4) must be a text string';
  const signerId = c.get(K.signerId);
  if (signerId === undefined) return 'signer-id (5) is missing';
  if (!isHash(signerId)) return 'signer-id (5) must be a byte string of 32, 48 or 64 bytes';
  const measurementDesc = text(K.measurementDesc);
  if (measurementDesc === false) return 'measurement-desc (6) must be a text string';
  return {
    ...(measurementType === undefined ? {} : { measurementType }),
    measurementValue,
    ...(version === undefined ? {} : { version }),
    signerId,
    ...(measurementDesc === undefined ? {} : { measurementDesc }),
  };
}

/**
 * Verifies the signature (ES256) or the tag (HMAC 256/256) of a parsed token with the device's
 * IAK: a public EC P-256 JWK, or the oct JWK of a symmetric IAK. False for a wrong key, a key of
 * another type than the token's algorithm, or any tampering. Never throws.
 */
export function verifyPsaToken(token: ParsedPsaToken, iak: JWK): boolean {
  try {
    if (!PSA_ALGS.includes(token.alg)) return false;
    return verifyCose(token, iak);
  } catch {
    return false;
  }
}

export interface EncodePsaTokenOptions {
  /** COSE kid, in the protected header */
  kid?: Uint8Array;
}

/** The claims map of a PSA token (the profile decides the boot seed's key). */
function claimsToMap(c: PsaClaims): Map<number, unknown> {
  const m = new Map<number, unknown>();
  m.set(PSA_CLAIM.profile, c.profile);
  m.set(PSA_CLAIM.nonce, c.nonce);
  m.set(PSA_CLAIM.instanceId, c.instanceId);
  m.set(PSA_CLAIM.implementationId, c.implementationId);
  m.set(PSA_CLAIM.clientId, c.clientId);
  m.set(PSA_CLAIM.securityLifecycle, c.securityLifecycle);
  if (c.bootSeed !== undefined) {
    const key = c.profile === PSA_PROFILE.RFC9783 ? PSA_CLAIM.bootSeed : PSA_CLAIM.bootSeedPsa2;
    m.set(key, c.bootSeed);
  }
  if (c.certificationReference !== undefined) {
    m.set(PSA_CLAIM.certificationReference, c.certificationReference);
  }
  m.set(
    PSA_CLAIM.softwareComponents,
    c.softwareComponents.map((s) => {
      const k = new Map<number, unknown>();
      if (s.measurementType !== undefined)
        k.set(PSA_SW_COMPONENT.measurementType, s.measurementType);
      k.set(PSA_SW_COMPONENT.measurementValue, s.measurementValue);
      if (s.version !== undefined) k.set(PSA_SW_COMPONENT.version, s.version);
      k.set(PSA_SW_COMPONENT.signerId, s.signerId);
      if (s.measurementDesc !== undefined)
        k.set(PSA_SW_COMPONENT.measurementDesc, s.measurementDesc);
      return k;
    }),
  );
  if (c.verificationServiceIndicator !== undefined) {
    m.set(PSA_CLAIM.verificationServiceIndicator, c.verificationServiceIndicator);
  }
  return m;
}

/**
 * Encodes and signs a PSA token: a tagged COSE_Sign1 with a private EC P-256 JWK (ES256), or a
 * tagged COSE_Mac0 with an oct JWK (HMAC 256/256). For tests and device simulators. Throws
 * RatsError: EVIDENCE_MALFORMED for claims the profile rejects, KEY_INVALID or
 * UNSUPPORTED_ALGORITHM for the key.
 */
export function encodePsaToken(
  claims: PsaClaims,
  key: JWK,
  options: EncodePsaTokenOptions = {},
): Uint8Array {
  const map = claimsToMap(claims);
  const checked = claimsFromMap(map);
  if (!checked.ok) throw checked.error;
  const alg = algForKey(key);
  if (!alg.ok) throw alg.error;
  if (!PSA_ALGS.includes(alg.value)) {
    throw new RatsError(
      'UNSUPPORTED_ALGORITHM',
      `PSA token: a ${alg.value} key; PSA tokens use ES256 (EC P-256) or HMAC 256/256 (oct) here`,
    );
  }
  return createCose(encodeCbor(map), key, {
    ...(options.kid === undefined ? {} : { kid: options.kid }),
    coseTag: true,
  });
}
