// The Attestation Result the DCS returns: an EAR (draft-ietf-rats-ear) in JWT form, signed ES256,
// whose appraisals carry an AR4SI trustworthiness vector (draft-ietf-rats-ar4si). One submod per
// appraised UE, which also carries the UEID and the attested cnf key the PS encrypts to.
import { createPrivateKey, sign as cryptoSign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { ueidExpectation } from './eat-claims.js';
import { fromBase64url, toBase64url } from '../bytes.js';
import { es256JwsSignatureValidInPool, isPlainObject, readCompactJws } from './eat-jwt.js';
import { fail, ok, RatsError, type Result } from './errors.js';
import { importPublicJwk } from './public-key-cache.js';

/** eat_profile of an EAR (draft-ietf-rats-ear, EAR claims). */
export const EAR_PROFILE = 'tag:github.com,2023:veraison/ear';
/** The media type of an EAR in JWT form: the EAT one with the EAR profile as parameter. */
export const EAR_MEDIA_TYPE = `application/eat+jwt; eat_profile="${EAR_PROFILE}"`;
/** JWS typ of an EAR: application/eat+jwt less "application/" (RFC 7515 clause 4.1.9). */
export const EAR_TYP = 'eat+jwt';
/** Largest EAR accepted, in characters. */
export const EAR_MAX_CHARS = 64 * 1024;
const MAX_SUBMODS = 32;
const MAX_TEXT = 1024;

export type EarStatus = 'none' | 'affirming' | 'warning' | 'contraindicated';
const STATUSES: readonly string[] = [
  'none',
  'affirming',
  'warning',
  'contraindicated',
] satisfies EarStatus[];

/** The AR4SI trustworthiness claims (draft-ietf-rats-ar4si, "Specific Claims"). */
export const TRUSTWORTHINESS_CLAIMS = [
  'instance-identity',
  'configuration',
  'executables',
  'file-system',
  'hardware',
  'runtime-opaque',
  'storage-opaque',
  'sourced-data',
] as const;
export type TrustworthinessClaim = (typeof TRUSTWORTHINESS_CLAIMS)[number];
/** Each claim an integer -128..127; a missing claim means no assertion. */
export type TrustworthinessVector = Partial<Record<TrustworthinessClaim, number>>;

/** AR4SI codes (draft-ietf-rats-ar4si, "Specific Claims"); every claim also has NONE/UNKNOWN/... */
export const AR4SI = {
  /** no assertion; an RP treats it as an absent claim */
  NO_CLAIM: 0,
  /** Evidence contains unknown elements which inhibit evaluation */
  UNEVALUATED: 1,
  VERIFIER_MALFUNCTION: -1,
  /** cryptographic validation of the Evidence failed; defined for every claim */
  CRYPTO_VALIDATION_FAILED: 99,
  instanceIdentity: { trustworthy: 2, untrustworthy: 96, unrecognized: 97 },
  configuration: {
    approved: 2,
    noKnownVulnerabilities: 3,
    knownVulnerabilities: 32,
    unavailable: 36,
    unsupportable: 96,
  },
  executables: {
    approved: 2,
    approvedBoot: 3,
    vulnerable: 32,
    unrecognized: 33,
    contraindicated: 96,
  },
  fileSystem: { approved: 2, unrecognized: 32, contraindicated: 96 },
  hardware: { genuine: 2, vulnerable: 32, contraindicated: 96, unrecognized: 97 },
  runtimeOpaque: { encrypted: 2, isolated: 32, visible: 96 },
  storageOpaque: { hwKeysEncrypted: 2, swKeysEncrypted: 32, unencrypted: 96 },
  sourcedData: { trusted: 2, untrusted: 32, contraindicated: 96 },
} as const;
export const CRYPTO_VALIDATION_FAILED = AR4SI.CRYPTO_VALIDATION_FAILED;

export interface EarAppraisal {
  status: EarStatus;
  trustworthinessVector: TrustworthinessVector;
  appraisalPolicyId: string;
  ueid: Uint8Array;
  /** the key the Evidence attested (its cnf), as a public JWK */
  cnf?: JWK;
}

export interface Ear {
  eatProfile: string;
  iat: number;
  verifierId: { build: string; developer: string };
  nonce?: Uint8Array;
  submods: Record<string, EarAppraisal>;
}

/**
 * The tier of one value (draft-ietf-rats-ar4si, "Enumeration Encoding"): standard values 0..127,
 * non-standard ones mirrored in -1..-128. A value outside the int8 range counts as contraindicated,
 * so a broken vector never reads as better than it is.
 */
export function tierOf(value: number): EarStatus {
  if (!Number.isInteger(value) || value < -128 || value > 127) return 'contraindicated';
  if (value >= 96 || value <= -97) return 'contraindicated';
  if (value >= 32 || value <= -33) return 'warning';
  if (value >= 2 || value <= -2) return 'affirming';
  return 'none';
}

const RANK: Record<EarStatus, number> = { none: 0, affirming: 1, warning: 2, contraindicated: 3 };

/** The tier of the worst claim of the vector; 'none' for an empty one. */
export function statusOf(vector: TrustworthinessVector): EarStatus {
  let worst: EarStatus = 'none';
  for (const claim of TRUSTWORTHINESS_CLAIMS) {
    const v = vector[claim];
    if (v === undefined) continue;
    const tier = tierOf(v);
    if (RANK[tier] > RANK[worst]) worst = tier;
  }
  return worst;
}

/** The EAR's JSON claims set (draft-ietf-rats-ear, JSON serialisation: dotted names). */
function earToJson(ear: Ear): Record<string, unknown> {
  const submods: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(ear.submods)) {
    const appraisal: Record<string, unknown> = {
      'ear.status': a.status,
      'ear.trustworthiness-vector': { ...a.trustworthinessVector },
      'ear.appraisal-policy-id': a.appraisalPolicyId,
      ueid: toBase64url(a.ueid),
    };
    if (a.cnf !== undefined) appraisal.cnf = { jwk: a.cnf };
    submods[name] = appraisal;
  }
  const out: Record<string, unknown> = {
    eat_profile: ear.eatProfile,
    iat: ear.iat,
    'ear.verifier-id': { build: ear.verifierId.build, developer: ear.verifierId.developer },
  };
  if (ear.nonce !== undefined) out.eat_nonce = toBase64url(ear.nonce);
  out.submods = submods;
  return out;
}

/** Sign an EAR as a compact JWS (ES256). Rejects with a RatsError for a bad EAR or key. */
/**
 * An EAR signer with its key imported once. A Verifier signs an EAR per appraisal; jose's
 * WebCrypto path imports the key and crosses to the thread pool on every call (about 0.4 ms
 * here), while node:crypto signs the same compact JWS synchronously in a few tens of µs.
 */
export class EarSigner {
  readonly #key: KeyObject;
  readonly #header: string;

  constructor(privateJwk: JWK, kid: string) {
    if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || typeof privateJwk.d !== 'string') {
      throw new RatsError('KEY_INVALID', 'EAR signing key: expected a private EC P-256 JWK');
    }
    try {
      this.#key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
    } catch {
      throw new RatsError('KEY_INVALID', 'EAR signing key: not a usable ES256 key');
    }
    this.#header = toBase64url(
      new TextEncoder().encode(JSON.stringify({ alg: 'ES256', typ: EAR_TYP, kid })),
    );
  }

  sign(ear: Ear): string {
    const json = earToJson(ear);
    // The signer runs the verifier's checks, so it never issues an EAR its peers would refuse.
    const checked = parseEarPayload(json);
    if (!checked.ok) throw checked.error;
    const signingInput = `${this.#header}.${Buffer.from(JSON.stringify(json)).toString('base64url')}`;
    const signature = cryptoSign('sha256', Buffer.from(signingInput), {
      key: this.#key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${toBase64url(signature)}`;
  }
}

/** Signs one EAR (ES256). For many, keep an EarSigner. */
export async function signEar(ear: Ear, key: { privateJwk: JWK; kid: string }): Promise<string> {
  return new EarSigner(key.privateJwk, key.kid).sign(ear);
}

/**
 * Verify an EAR with the key of `jwks` its header's kid names (ES256 only), then parse it.
 * Never rejects: every failure is EAR_INVALID with the reason.
 */
export async function verifyEar(jws: string, jwks: { keys: JWK[] }): Promise<Result<Ear>> {
  try {
    const read = readCompactJws(jws, EAR_MAX_CHARS);
    if (!read.ok) return fail('EAR_INVALID', read.problem);
    const { header } = read;
    if (header.alg !== 'ES256') return fail('EAR_INVALID', 'header alg: expected ES256');
    if (typeof header.kid !== 'string') return fail('EAR_INVALID', 'header kid: expected a string');
    const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
    const matches = keys.filter((k) => isPlainObject(k) && k.kid === header.kid);
    if (matches.length !== 1) {
      return fail(
        'EAR_INVALID',
        matches.length === 0
          ? `header kid: no key ${JSON.stringify(header.kid.slice(0, 64))} in the verifier's JWKS`
          : 'header kid: more than one key in the JWKS has it',
      );
    }
    const k = matches[0]!;
    const usable =
      k.kty === 'EC' &&
      k.crv === 'P-256' &&
      typeof k.x === 'string' &&
      typeof k.y === 'string' &&
      (k.alg === undefined || k.alg === 'ES256') &&
      (k.use === undefined || k.use === 'sig');
    if (!usable) return fail('EAR_INVALID', 'verification key: expected an EC P-256 ES256 key');
    let verified = false;
    try {
      // The verifier's key is the same for every EAR: imported once (public-key-cache.ts).
      const pub = importPublicJwk({ kty: 'EC', crv: 'P-256', x: k.x!, y: k.y! });
      // On the thread pool: the PS verifies one EAR per onboarding, and its event loop has the
      // UEs' requests to serve meanwhile (bench/onboarding, Steps 1-2: about a tenth faster).
      verified = await es256JwsSignatureValidInPool(jws, pub);
    } catch {
      verified = false;
    }
    if (!verified) return fail('EAR_INVALID', 'signature: does not verify with the kid key');
    return parseEarPayload(read.payload);
  } catch {
    return fail('EAR_INVALID', 'EAR: not a compact JWS of an Attestation Result');
  }
}

/** Claim names are the few this module asks for: each one's spellings are worked out once. */
const spellingsOf = new Map<string, readonly string[]>();

/**
 * The spellings of an EAR claim name: the draft's dotted form ("ear.status"), the underscored
 * JWT-registered form ("ear_status"), and all-underscore ("ear_verifier_id") seen in the wild.
 */
function spellings(name: string): readonly string[] {
  let forms = spellingsOf.get(name);
  if (!forms) {
    forms = [...new Set([name, name.replace('.', '_'), name.replace(/[.-]/g, '_')])];
    spellingsOf.set(name, forms);
  }
  return forms;
}

type Got = { ok: true; value: unknown } | { ok: false; error: RatsError };

/** A claim in whichever spelling it came; two spellings at once are ambiguous and refused. */
function getClaim(obj: Record<string, unknown>, name: string): Got {
  const present = spellings(name).filter((s) => Object.hasOwn(obj, s));
  if (present.length > 1) {
    return {
      ok: false,
      error: new RatsError('EAR_INVALID', `claim ${name}: given in more than one spelling`),
    };
  }
  return { ok: true, value: present.length === 1 ? obj[present[0]!] : undefined };
}

/** Parse an EAR claims set (the JWS payload) into an Ear; EAR_INVALID names the bad claim. */
export function parseEarPayload(json: unknown): Result<Ear> {
  try {
    return parsePayloadUnsafe(json);
  } catch {
    return fail('EAR_INVALID', 'EAR: not an Attestation Result claims set');
  }
}

function parsePayloadUnsafe(json: unknown): Result<Ear> {
  const bad = (name: string, expects: string): Result<Ear> =>
    fail('EAR_INVALID', `claim ${name}: expected ${expects}`);
  if (!isPlainObject(json)) return fail('EAR_INVALID', 'EAR: expected a JSON object');
  const get = (name: string): Got => getClaim(json, name);

  const profile = get('eat_profile');
  if (!profile.ok) return profile;
  if (profile.value !== EAR_PROFILE) return bad('eat_profile', `"${EAR_PROFILE}"`);

  const iat = get('iat');
  if (!iat.ok) return iat;
  if (typeof iat.value !== 'number' || !Number.isSafeInteger(iat.value) || iat.value < 0) {
    return bad('iat', 'a non-negative integer number of seconds');
  }

  const vid = get('ear.verifier-id');
  if (!vid.ok) return vid;
  const v = vid.value;
  if (!isPlainObject(v) || !isText(v.build) || !isText(v.developer)) {
    return bad('ear.verifier-id', 'an object with "build" and "developer" text strings');
  }

  const ear: Ear = {
    eatProfile: EAR_PROFILE,
    iat: iat.value,
    verifierId: { build: v.build, developer: v.developer },
    submods: {},
  };

  const nonce = get('eat_nonce');
  if (!nonce.ok) return nonce;
  if (nonce.value !== undefined) {
    const bytes = fromBase64url(nonce.value);
    if (!bytes || bytes.length < 8 || bytes.length > 64) {
      return bad('eat_nonce', 'a base64url string of 8 to 64 bytes');
    }
    ear.nonce = bytes;
  }

  const submods = get('submods');
  if (!submods.ok) return submods;
  const s = submods.value;
  if (!isPlainObject(s) || Object.keys(s).length < 1 || Object.keys(s).length > MAX_SUBMODS) {
    return bad('submods', `an object of 1 to ${MAX_SUBMODS} appraisals`);
  }
  // A null-prototype record, so a submod named "__proto__" stays an ordinary entry.
  const out = Object.create(null) as Record<string, EarAppraisal>;
  for (const [name, value] of Object.entries(s)) {
    const appraisal = parseAppraisal(name, value);
    if (!appraisal.ok) return appraisal;
    out[name] = appraisal.value;
  }
  ear.submods = out;
  return ok(ear);
}

function parseAppraisal(submod: string, json: unknown): Result<EarAppraisal> {
  const where = `submods[${JSON.stringify(submod.slice(0, 64))}]`;
  const bad = (name: string, expects: string): Result<EarAppraisal> =>
    fail('EAR_INVALID', `claim ${where}.${name}: expected ${expects}`);
  if (!isPlainObject(json)) return fail('EAR_INVALID', `claim ${where}: expected an object`);
  const get = (name: string): Got => getClaim(json, name);

  const status = get('ear.status');
  if (!status.ok) return status;
  if (typeof status.value !== 'string' || !STATUSES.includes(status.value)) {
    return bad('ear.status', 'one of none, affirming, warning, contraindicated');
  }

  const tv = get('ear.trustworthiness-vector');
  if (!tv.ok) return tv;
  const vector: TrustworthinessVector = {};
  if (tv.value !== undefined) {
    if (!isPlainObject(tv.value)) {
      return bad('ear.trustworthiness-vector', 'an object of AR4SI claims');
    }
    for (const [key, value] of Object.entries(tv.value)) {
      // AR4SI names are hyphenated; an underscored spelling is accepted like the ear.* claims.
      const claim = TRUSTWORTHINESS_CLAIMS.find((c) => c === key || c.replace('-', '_') === key);
      if (claim === undefined) {
        // Refused, not ignored: an unknown claim might be a contraindication the RP cannot see.
        return bad('ear.trustworthiness-vector', `only AR4SI claims, not ${JSON.stringify(key)}`);
      }
      if (vector[claim] !== undefined) {
        return bad('ear.trustworthiness-vector', `${claim} given in more than one spelling`);
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -128 || value > 127) {
        return bad(`ear.trustworthiness-vector.${claim}`, 'an integer from -128 to 127');
      }
      vector[claim] = value;
    }
  }

  const policy = get('ear.appraisal-policy-id');
  if (!policy.ok) return policy;
  if (!isText(policy.value)) return bad('ear.appraisal-policy-id', 'a text string');

  const ueidClaim = get('ueid');
  if (!ueidClaim.ok) return ueidClaim;
  const ueid = fromBase64url(ueidClaim.value);
  if (!ueid) return bad('ueid', 'a base64url string');
  const ueidProblem = ueidExpectation(ueid);
  if (ueidProblem) return bad('ueid', ueidProblem);

  const appraisal: EarAppraisal = {
    status: status.value as EarStatus,
    trustworthinessVector: vector,
    appraisalPolicyId: policy.value,
    ueid,
  };

  const cnfClaim = get('cnf');
  if (!cnfClaim.ok) return cnfClaim;
  if (cnfClaim.value !== undefined) {
    const cnf = cnfClaim.value;
    if (!isPlainObject(cnf) || !isPlainObject(cnf.jwk) || typeof cnf.jwk.kty !== 'string') {
      return bad('cnf', 'an object {"jwk": a public JWK}');
    }
    if (Object.hasOwn(cnf.jwk, 'd') || cnf.jwk.kty === 'oct') {
      return bad('cnf', 'a public key, never a private or secret one');
    }
    appraisal.cnf = cnf.jwk as JWK;
  }
  return ok(appraisal);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_TEXT;
}
