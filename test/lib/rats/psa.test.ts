// Arm PSA attestation tokens (RFC 9783): the two third-party tokens of test/vectors/psa (copied
// from shared/interop/psa) decode to the claims they carry and verify with their IAKs; tampering,
// other keys, malformed claims and unsupported algorithms are refused with a precise reason; and
// parsePsaToken never throws (seeded fuzz of random, mutated and structurally random tokens).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8 } from '../../../src/lib/bytes.js';
import { Tagged, decodeCbor, encodeCbor } from '../../../src/lib/rats/cbor.js';
import { createCose } from '../../../src/lib/rats/cose.js';
import { RatsError, type RatsErrorCode, type Result } from '../../../src/lib/rats/errors.js';
import {
  PSA_CLAIM,
  PSA_PROFILE,
  encodePsaToken,
  parsePsaToken,
  psaLifecycleState,
  verifyPsaToken,
  type ParsedPsaToken,
  type PsaClaims,
} from '../../../src/lib/rats/psa.js';
import { jwkKeyPair, mulberry32 } from '../../helpers.js';

const vector = (name: string): Uint8Array =>
  Uint8Array.from(readFileSync(new URL(`../../vectors/psa/${name}`, import.meta.url)));
const jwk = (name: string): JWK =>
  JSON.parse(readFileSync(new URL(`../../vectors/psa/${name}`, import.meta.url), 'utf8')) as JWK;

/** veraison/services psa.good.cose: profile http://arm.com/psa/2.0.0 */
const veraisonToken = vector('psa.good.cose');
const veraisonKey = jwk('psa.ec.p256.jwk');
/** draft-psa-token cddl/example psa-sign1.cbor: profile tag:psacertified.org,2023:psa#tfm */
const tfmToken = vector('psa-sign1.cbor');
const tfmKey = jwk('tfm-es-iak.json');

function parsed(bytes: Uint8Array): ParsedPsaToken {
  const r = parsePsaToken(bytes);
  if (!r.ok) throw r.error;
  return r.value;
}

const es = jwkKeyPair('ec');
const ed = jwkKeyPair('ed25519');
const oct: JWK = { kty: 'oct', k: randomBytes(32).toString('base64url') };
const fill = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);

function expectError(r: Result<unknown>, code: RatsErrorCode, detail: RegExp): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toBeInstanceOf(RatsError);
  expect(r.error.code).toBe(code);
  expect(r.error.message).toMatch(detail);
}

describe('veraison psa.good.cose (profile http://arm.com/psa/2.0.0)', () => {
  test('decodes: header, profile and every claim', () => {
    const t = parsed(veraisonToken);
    // README: COSE_Sign1, tag 18, ES256, profile http://arm.com/psa/2.0.0
    expect(t).toMatchObject({ form: 'sign1', alg: 'ES256', profile: PSA_PROFILE.PSA_2_0_0 });
    expect(t.profile).toBe('http://arm.com/psa/2.0.0');
    expect(t.kid).toBeUndefined();
    const c = t.claims;
    expect(c.profile).toBe('http://arm.com/psa/2.0.0');
    expect(toHex(c.instanceId)).toBe(
      '01ceebae7b8927a3227e5303cf5e0f1f7b34bb542ad7250ac03fbcde36ec2f1508',
    );
    expect(Buffer.from(c.implementationId).toString('latin1')).toBe(
      'acme-implementation-id-000000001',
    );
    expect(toHex(c.nonce)).toBe('414a7c174141b3d0e9a1d28af31520f0d42299feac4007ded89d68ae6cd92f19');
    expect(c.clientId).toBe(1);
    expect(c.securityLifecycle).toBe(0x3000);
    expect(t.lifecycleState).toBe('secured');
    // this profile carries the boot seed in 2397
    expect(toHex(c.bootSeed!)).toBe('deadbeef'.repeat(8));
    expect(c.certificationReference).toBeUndefined();
    expect(c.verificationServiceIndicator).toBe('https://psa-verifier.org');
    const signer = 'acbb11c7e4da217205523ce4ce1a245ae1a239ae3c6bfd9e7871f7e5d8bae86b';
    expect(
      c.softwareComponents.map((s) => ({
        type: s.measurementType,
        version: s.version,
        value: toHex(s.measurementValue),
        signer: toHex(s.signerId),
        desc: s.measurementDesc,
      })),
    ).toEqual([
      {
        type: 'BL',
        version: '2.1.0',
        value: '87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7',
        signer,
        desc: undefined,
      },
      {
        type: 'PRoT',
        version: '1.3.5',
        value: '0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f',
        signer,
        desc: undefined,
      },
      {
        type: 'ARoT',
        version: '0.1.4',
        value: 'a3a5e715f0cc574a73c3f9bebb6bc24f32ffd5b67b387244c2c909da779a1478',
        signer,
        desc: undefined,
      },
    ]);
  });

  test('verifies with its IAK, not with another key', () => {
    const t = parsed(veraisonToken);
    expect(verifyPsaToken(t, veraisonKey)).toBe(true);
    expect(verifyPsaToken(t, tfmKey)).toBe(false);
    expect(verifyPsaToken(t, es.pub)).toBe(false);
    expect(verifyPsaToken(t, ed.pub)).toBe(false);
    expect(verifyPsaToken(t, oct)).toBe(false);
  });
});

describe('draft-psa-token psa-sign1.cbor (profile tag:psacertified.org,2023:psa#tfm, RFC 9783)', () => {
  test('decodes: header, profile and every claim (as in the draft sign1-claims.yaml)', () => {
    const t = parsed(tfmToken);
    expect(t).toMatchObject({ form: 'sign1', alg: 'ES256', profile: PSA_PROFILE.RFC9783 });
    expect(t.profile).toBe('tag:psacertified.org,2023:psa#tfm');
    expect(t.kid).toBeUndefined();
    const c = t.claims;
    expect(toHex(c.instanceId)).toBe('01' + '02'.repeat(32));
    expect(toHex(c.implementationId)).toBe('00'.repeat(32));
    expect(toHex(c.nonce)).toBe('01'.repeat(32));
    expect(c.clientId).toBe(2147483647);
    expect(c.securityLifecycle).toBe(0x3000);
    expect(t.lifecycleState).toBe('secured');
    // RFC 9783: EAT bootseed (268), 8 bytes here
    expect(toHex(c.bootSeed!)).toBe('00'.repeat(8));
    expect(c.certificationReference).toBeUndefined();
    expect(c.verificationServiceIndicator).toBeUndefined();
    expect(c.softwareComponents).toEqual([
      { measurementType: 'PRoT', measurementValue: fill(32, 3), signerId: fill(32, 4) },
    ]);
  });

  test('verifies with its IAK (tfm-es-iak.json), not with another key', () => {
    const t = parsed(tfmToken);
    expect(tfmKey.alg).toBe('ES256');
    expect(verifyPsaToken(t, tfmKey)).toBe(true);
    expect(verifyPsaToken(t, veraisonKey)).toBe(false);
    expect(verifyPsaToken(t, es.pub)).toBe(false);
  });
});

describe('tampering', () => {
  const cases: [string, Uint8Array, JWK][] = [
    ['psa.good.cose', veraisonToken, veraisonKey],
    ['psa-sign1.cbor', tfmToken, tfmKey],
  ];

  test.each(cases)(
    '%s: a flipped bit in the signature or in a claim value fails',
    (_, token, key) => {
      const t = parsed(token);
      const sig = Uint8Array.from(t.signature);
      sig[10]! ^= 0x01;
      expect(verifyPsaToken({ ...t, signature: sig }, key)).toBe(false);
      // the last byte of the token is the end of the signature
      const lastBitFlipped = Uint8Array.from(token);
      lastBitFlipped[lastBitFlipped.length - 1]! ^= 0x80;
      expect(verifyPsaToken(parsed(lastBitFlipped), key)).toBe(false);
      // a bit of the nonce: still a well-formed token, with another nonce, which does not verify
      const at = Buffer.from(token).indexOf(Buffer.from(t.claims.nonce));
      expect(at).toBeGreaterThan(0);
      const nonceFlipped = Uint8Array.from(token);
      nonceFlipped[at + 5]! ^= 0x04;
      const p = parsed(nonceFlipped);
      expect(toHex(p.claims.nonce)).not.toBe(toHex(t.claims.nonce));
      expect(verifyPsaToken(p, key)).toBe(false);
    },
  );

  test.each(cases)('%s: every single-bit flip is refused or fails to verify', (_, token, key) => {
    let parsedCount = 0;
    for (let i = 0; i < token.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Uint8Array.from(token);
        bad[i]! ^= 1 << bit;
        const r = parsePsaToken(bad);
        if (r.ok) {
          parsedCount++;
          expect(verifyPsaToken(r.value, key)).toBe(false);
        } else {
          expect(['EVIDENCE_MALFORMED', 'UNSUPPORTED_ALGORITHM']).toContain(r.error.code);
        }
      }
    }
    // most flips land in byte strings and leave a well-formed token
    expect(parsedCount).toBeGreaterThan(token.length);
  });

  test('a key of another type, a private key, and an alg changed after parsing', () => {
    const t = parsed(tfmToken);
    expect(verifyPsaToken(t, { ...tfmKey, crv: 'P-384' })).toBe(false);
    expect(verifyPsaToken(t, { kty: 'EC' })).toBe(false);
    expect(verifyPsaToken({ ...t, alg: 'HS256', form: 'mac0' }, oct)).toBe(false);
    expect(verifyPsaToken({ ...t, alg: 'EdDSA' }, ed.pub)).toBe(false);
    expect(verifyPsaToken(null as unknown as ParsedPsaToken, tfmKey)).toBe(false);
    expect(verifyPsaToken(t, null as unknown as JWK)).toBe(false);
  });
});

/** The claims map of the RFC 9783 vector, to be altered. */
function tfmClaimsMap(): Map<unknown, unknown> {
  const r = decodeCbor(parsed(tfmToken).payload);
  if (!r.ok) throw r.error;
  return r.value as Map<unknown, unknown>;
}

const ES256_PROTECTED = encodeCbor(new Map([[1, -7]]));

/** A tagged COSE_Sign1 around a claims map, with a placeholder signature (parsing only). */
function unsigned(claims: unknown, protectedHeader = ES256_PROTECTED, sigLength = 64): Uint8Array {
  return encodeCbor(
    new Tagged(18, [protectedHeader, new Map(), encodeCbor(claims), new Uint8Array(sigLength)]),
  );
}

describe('malformed claims give EVIDENCE_MALFORMED naming the claim', () => {
  const K = PSA_CLAIM;
  const component = (entries: [number, unknown][]): Map<number, unknown> => new Map(entries);
  const goodComponent: [number, unknown][] = [
    [1, 'PRoT'],
    [2, fill(32, 3)],
    [5, fill(32, 4)],
  ];
  const cases: [string, number, unknown, RegExp][] = [
    ['nonce missing', K.nonce, undefined, /psa-nonce \(10\): missing/],
    ['nonce of 16 bytes', K.nonce, fill(16, 1), /psa-nonce \(10\).*32, 48 or 64/],
    ['nonce of 33 bytes', K.nonce, fill(33, 1), /psa-nonce \(10\)/],
    ['nonce as text', K.nonce, 'nonce', /psa-nonce \(10\)/],
    ['nonce as an array', K.nonce, [fill(32, 1)], /psa-nonce \(10\).*array/],
    ['instance id missing', K.instanceId, undefined, /psa-instance-id \(256\): missing/],
    ['instance id of 32 bytes', K.instanceId, fill(32, 2), /psa-instance-id \(256\).*33 bytes/],
    [
      'instance id of type EUI',
      K.instanceId,
      Uint8Array.from([0x02, ...fill(32, 2)]),
      /psa-instance-id \(256\).*0x01/,
    ],
    [
      'implementation id missing',
      K.implementationId,
      undefined,
      /psa-implementation-id \(2396\): missing/,
    ],
    [
      'implementation id of 31 bytes',
      K.implementationId,
      fill(31, 0),
      /psa-implementation-id \(2396\).*32 bytes/,
    ],
    ['implementation id as text', K.implementationId, 'acme', /psa-implementation-id \(2396\)/],
    ['client id missing', K.clientId, undefined, /psa-client-id \(2394\): missing/],
    ['client id 0', K.clientId, 0, /psa-client-id \(2394\).*0 is not permitted/],
    ['client id 2^31', K.clientId, 2 ** 31, /psa-client-id \(2394\).*32-bit/],
    ['client id as bytes', K.clientId, fill(4, 0), /psa-client-id \(2394\)/],
    ['client id huge', K.clientId, 2n ** 64n - 1n, /psa-client-id \(2394\)/],
    [
      'lifecycle missing',
      K.securityLifecycle,
      undefined,
      /psa-security-lifecycle \(2395\): missing/,
    ],
    ['lifecycle negative', K.securityLifecycle, -1, /psa-security-lifecycle \(2395\).*unsigned/],
    [
      'lifecycle 0x0100',
      K.securityLifecycle,
      0x0100,
      /psa-security-lifecycle \(2395\): 0x100 is outside/,
    ],
    ['lifecycle 0x7000', K.securityLifecycle, 0x7000, /psa-security-lifecycle \(2395\)/],
    ['lifecycle 0x13000', K.securityLifecycle, 0x13000, /psa-security-lifecycle \(2395\)/],
    ['lifecycle as text', K.securityLifecycle, 'secured', /psa-security-lifecycle \(2395\)/],
    ['boot seed of 7 bytes', K.bootSeed, fill(7, 0), /psa-boot-seed \(268\).*8 to 32/],
    ['boot seed of 33 bytes', K.bootSeed, fill(33, 0), /psa-boot-seed \(268\)/],
    ['boot seed as an integer', K.bootSeed, 7, /psa-boot-seed \(268\)/],
    [
      'certification reference in EAN-13 form (RFC 9783 needs EAN-13+5)',
      K.certificationReference,
      '1234567890123',
      /psa-certification-reference \(2398\).*EAN-13\+5/,
    ],
    [
      'certification reference with letters',
      K.certificationReference,
      '123456789012a-12345',
      /psa-certification-reference \(2398\)/,
    ],
    [
      'certification reference as bytes',
      K.certificationReference,
      utf8('1234567890123-12345'),
      /psa-certification-reference \(2398\)/,
    ],
    [
      'verification service indicator as bytes',
      K.verificationServiceIndicator,
      utf8('https://x'),
      /psa-verification-service-indicator \(2400\)/,
    ],
    [
      'software components missing',
      K.softwareComponents,
      undefined,
      /psa-software-components \(2399\): missing/,
    ],
    [
      'software components empty',
      K.softwareComponents,
      [],
      /psa-software-components \(2399\).*non-empty/,
    ],
    [
      'software components as a map',
      K.softwareComponents,
      component(goodComponent),
      /psa-software-components \(2399\)/,
    ],
    [
      'a component that is not a map',
      K.softwareComponents,
      [component(goodComponent), 'BL'],
      /psa-software-components \(2399\): component 1: expected a map/,
    ],
    [
      'a component without measurement value',
      K.softwareComponents,
      [component(goodComponent.filter(([k]) => k !== 2))],
      /psa-software-components \(2399\): component 0: measurement-value \(2\) is missing/,
    ],
    [
      'a component with a 20-byte measurement value',
      K.softwareComponents,
      [component([...goodComponent, [2, fill(20, 3)]])],
      /component 0: measurement-value \(2\) must be/,
    ],
    [
      'a component without signer id',
      K.softwareComponents,
      [component(goodComponent.filter(([k]) => k !== 5))],
      /psa-software-components \(2399\): component 0: signer-id \(5\) is missing/,
    ],
    [
      'a component with a 16-byte signer id',
      K.softwareComponents,
      [component([...goodComponent, [5, fill(16, 4)]])],
      /component 0: signer-id \(5\) must be/,
    ],
    [
      'a component with a numeric measurement type',
      K.softwareComponents,
      [component([...goodComponent, [1, 1]])],
      /component 0: measurement-type \(1\)/,
    ],
    [
      'a component with a byte-string version',
      K.softwareComponents,
      [component([...goodComponent, [4, utf8('1.0')]])],
      /component 0: version \(4\)/,
    ],
    [
      'a component with a numeric measurement description',
      K.softwareComponents,
      [component([...goodComponent, [6, 256]])],
      /component 0: measurement-desc \(6\)/,
    ],
    ['profile missing', K.profile, undefined, /eat_profile \(265\): missing/],
    [
      'profile of another EAT',
      K.profile,
      'tag:example.com,2025:other',
      /eat_profile \(265\).*not a supported PSA profile/,
    ],
    ['profile as an OID', K.profile, fromHex('2b0601'), /eat_profile \(265\): expected a text/],
  ];

  test.each(cases)('%s', (_, key, value, detail) => {
    const m = tfmClaimsMap();
    if (value === undefined) m.delete(key);
    else m.set(key, value);
    expectError(parsePsaToken(unsigned(m)), 'EVIDENCE_MALFORMED', detail);
  });

  test('the same token, re-signed with every claim intact, parses and verifies', () => {
    const token = createCose(encodeCbor(tfmClaimsMap()), es.priv);
    expect(verifyPsaToken(parsed(token), es.pub)).toBe(true);
  });

  test('the http://arm.com/psa/2.0.0 profile: boot seed in 2397, EAN-13 accepted', () => {
    const m = tfmClaimsMap();
    m.set(K.profile, PSA_PROFILE.PSA_2_0_0);
    m.set(K.certificationReference, '1234567890123');
    m.set(K.clientId, 0);
    const t = parsed(unsigned(m));
    // 268 is not a claim of that profile: ignored as an unknown claim
    expect(t.claims.bootSeed).toBeUndefined();
    expect(t.claims.certificationReference).toBe('1234567890123');
    m.set(K.bootSeedPsa2, fill(4, 0));
    expectError(parsePsaToken(unsigned(m)), 'EVIDENCE_MALFORMED', /psa-boot-seed \(2397\)/);
    m.set(K.certificationReference, '1234567890123-1234');
    m.set(K.bootSeedPsa2, fill(32, 9));
    expectError(
      parsePsaToken(unsigned(m)),
      'EVIDENCE_MALFORMED',
      /psa-certification-reference \(2398\).*EAN-13 \(thirteen digits\) or EAN-13\+5/,
    );
  });

  test('unknown claims are ignored; RFC 9783 certification reference EAN-13+5 accepted', () => {
    const m = tfmClaimsMap();
    m.set(-75005, 'legacy');
    m.set(999, [1, 2, new Map([['a', 1]])]);
    m.set('text-key', true);
    m.set(K.certificationReference, '1234567890123-12345');
    m.set(K.verificationServiceIndicator, 'https://psa-verifier.example');
    const c = parsed(unsigned(m)).claims;
    expect(c.certificationReference).toBe('1234567890123-12345');
    expect(c.verificationServiceIndicator).toBe('https://psa-verifier.example');
  });

  test('a PSA_IOT_PROFILE_1 token (claim keys -75000 to -75010) is refused, saying so', () => {
    const legacy = new Map<number, unknown>([
      [-75000, 'PSA_IOT_PROFILE_1'],
      [-75001, 1],
      [-75002, 0x3000],
      [-75003, fill(32, 0)],
      [-75004, fill(32, 0)],
      [-75008, fill(32, 1)],
      [-75009, Uint8Array.from([1, ...fill(32, 2)])],
    ]);
    expectError(parsePsaToken(unsigned(legacy)), 'EVIDENCE_MALFORMED', /PSA_IOT_PROFILE_1/);
  });

  test('the claims must be a map in a byte string', () => {
    expectError(
      parsePsaToken(unsigned([1, 2])),
      'EVIDENCE_MALFORMED',
      /PSA claims: expected a map/,
    );
    const notCbor = encodeCbor(
      new Tagged(18, [ES256_PROTECTED, new Map(), Uint8Array.of(0xff), new Uint8Array(64)]),
    );
    expectError(parsePsaToken(notCbor), 'EVIDENCE_MALFORMED', /PSA claims: CBOR/);
  });
});

describe('structure and algorithms', () => {
  test('the COSE tag is required; CWT tag 61 and other tags are refused', () => {
    const t = parsed(tfmToken);
    const untagged = encodeCbor([t.protected, new Map(), t.payload, t.signature]);
    expectError(parsePsaToken(untagged), 'EVIDENCE_MALFORMED', /tagged COSE_Sign1 \(18\)/);
    const cwt = encodeCbor(
      new Tagged(61, new Tagged(18, [t.protected, new Map(), t.payload, t.signature])),
    );
    expectError(parsePsaToken(cwt), 'EVIDENCE_MALFORMED', /PSA token: CBOR/);
    expectError(parsePsaToken(new Uint8Array(0)), 'EVIDENCE_MALFORMED', /no bytes/);
  });

  test('ES384 and ES512 (allowed by RFC 9783, not implemented by cose.ts): UNSUPPORTED_ALGORITHM', () => {
    const m = tfmClaimsMap();
    for (const [alg, sigLength] of [
      [-35, 96],
      [-36, 132],
    ] as const) {
      const token = unsigned(m, encodeCbor(new Map([[1, alg]])), sigLength);
      expectError(parsePsaToken(token), 'UNSUPPORTED_ALGORITHM', /ES384, ES512/);
    }
    // HMAC 384/384 (6) in a COSE_Mac0
    const mac384 = encodeCbor(
      new Tagged(17, [encodeCbor(new Map([[1, 6]])), new Map(), encodeCbor(m), fill(48, 0)]),
    );
    expectError(parsePsaToken(mac384), 'UNSUPPORTED_ALGORITHM', /HMAC 384\/384/);
  });

  test('EdDSA is not a PSA algorithm', () => {
    const token = createCose(encodeCbor(tfmClaimsMap()), ed.priv);
    expectError(parsePsaToken(token), 'UNSUPPORTED_ALGORITHM', /EdDSA is not a PSA algorithm/);
  });

  test('COSE_Mac0 with HMAC 256/256 (symmetric IAK) parses and verifies', () => {
    const token = createCose(encodeCbor(tfmClaimsMap()), oct, { kid: fill(4, 7) });
    const t = parsed(token);
    expect(t).toMatchObject({ form: 'mac0', alg: 'HS256' });
    expect(toHex(t.kid!)).toBe('07070707');
    expect(verifyPsaToken(t, oct)).toBe(true);
    expect(verifyPsaToken(t, { kty: 'oct', k: randomBytes(32).toString('base64url') })).toBe(false);
    expect(verifyPsaToken(t, es.pub)).toBe(false);
  });
});

describe('encodePsaToken', () => {
  const claims: PsaClaims = {
    profile: PSA_PROFILE.RFC9783,
    nonce: Uint8Array.from(randomBytes(48)),
    instanceId: Uint8Array.from([0x01, ...randomBytes(32)]),
    implementationId: Uint8Array.from(randomBytes(32)),
    clientId: -1,
    securityLifecycle: 0x3005,
    bootSeed: Uint8Array.from(randomBytes(16)),
    certificationReference: '0604565272829-10010',
    softwareComponents: [
      {
        measurementType: 'BL',
        measurementValue: Uint8Array.from(randomBytes(64)),
        version: '1.9.0',
        signerId: Uint8Array.from(randomBytes(32)),
        measurementDesc: 'sha-512',
      },
    ],
    verificationServiceIndicator: 'https://veraison.example/v1/challenge-response',
  };

  test('round trip, ES256 and HMAC 256/256, both profiles', () => {
    for (const profile of [PSA_PROFILE.RFC9783, PSA_PROFILE.PSA_2_0_0]) {
      const c = { ...claims, profile };
      const t = parsed(encodePsaToken(c, es.priv, { kid: c.instanceId }));
      expect(t.claims).toEqual(c);
      expect(t.lifecycleState).toBe('secured');
      expect(toHex(t.kid!)).toBe(toHex(c.instanceId));
      expect(verifyPsaToken(t, es.pub)).toBe(true);
      const bootSeedKey = profile === PSA_PROFILE.RFC9783 ? 268 : 2397;
      const map = decodeCbor(t.payload);
      expect(map.ok && (map.value as Map<number, unknown>).has(bootSeedKey)).toBe(true);
      const m = parsed(encodePsaToken(c, oct));
      expect(m.form).toBe('mac0');
      expect(verifyPsaToken(m, oct)).toBe(true);
    }
  });

  test('refuses bad claims and keys outside the PSA algorithms', () => {
    expect(() => encodePsaToken({ ...claims, nonce: fill(8, 0) }, es.priv)).toThrow(
      /psa-nonce \(10\)/,
    );
    expect(() => encodePsaToken({ ...claims, softwareComponents: [] }, es.priv)).toThrow(
      /psa-software-components/,
    );
    expect(() => encodePsaToken(claims, ed.priv)).toThrow(/EdDSA key/);
    expect(() => encodePsaToken(claims, es.pub)).toThrow(RatsError);
  });
});

test('psaLifecycleState: the major states and their ranges', () => {
  const table: [number, string | undefined][] = [
    [0x0000, 'unknown'],
    [0x00ff, 'unknown'],
    [0x0100, undefined],
    [0x1000, 'assembly-and-test'],
    [0x20ff, 'psa-rot-provisioning'],
    [0x3000, 'secured'],
    [0x30a5, 'secured'],
    [0x4001, 'non-psa-rot-debug'],
    [0x5000, 'recoverable-psa-rot-debug'],
    [0x60ff, 'decommissioned'],
    [0x7000, undefined],
    [0xffff, undefined],
    [0x10000, undefined],
    [-1, undefined],
    [0x3000 + 0.5, undefined],
  ];
  for (const [value, state] of table) expect(psaLifecycleState(value)).toBe(state);
});

describe('fuzz: parsePsaToken never throws', () => {
  const ALLOWED: readonly RatsErrorCode[] = ['EVIDENCE_MALFORMED', 'UNSUPPORTED_ALGORITHM'];
  const seeds = [veraisonToken, tfmToken, createCose(encodeCbor(tfmClaimsMap()), oct)];
  const signedContents = new Set(
    seeds.map((s) => {
      const p = parsed(s);
      return [p.protected, p.payload, p.signature].map(toHex).join('.');
    }),
  );
  const keys = [veraisonKey, tfmKey, oct];
  /** inputs that parsed, so that a fuzz that only ever hits the first check is noticed */
  let parsedOk = 0;

  /** Parses, checks the shape of the result, and verifies whatever parses. */
  function check(input: Uint8Array): void {
    let r: Result<ParsedPsaToken> | undefined;
    try {
      r = parsePsaToken(input);
    } catch (e) {
      throw new Error(`parsePsaToken threw on ${toHex(input)}: ${String(e)}`);
    }
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(RatsError);
      if (!ALLOWED.includes(r.error.code))
        throw new Error(`code ${r.error.code} on ${toHex(input)}`);
      return;
    }
    parsedOk++;
    const p = r.value;
    const original = signedContents.has([p.protected, p.payload, p.signature].map(toHex).join('.'));
    for (const key of keys) {
      const v = verifyPsaToken(p, key);
      // a changed signed content never verifies (the unchanged ones verify with one key only)
      if (!original && v) throw new Error(`tampered token verified: ${toHex(input)}`);
    }
  }

  const SPECIAL = [
    0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x3b, 0x40, 0x58, 0x5b, 0x5f, 0x60, 0x78,
    0x7f, 0x80, 0x84, 0x98, 0x9f, 0xa0, 0xa1, 0xb8, 0xbf, 0xc0, 0xd1, 0xd2, 0xd8, 0xf4, 0xf6, 0xf7,
    0xf9, 0xfb, 0xff,
  ];

  test('8,000 random byte strings, with and without a COSE_Sign1 head', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom<number[]>(
          [],
          [0xd2, 0x84],
          [0xd1, 0x84],
          [0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0],
        ),
        (body, head) => {
          runs++;
          check(Uint8Array.from([...head, ...body]));
        },
      ),
      { numRuns: 8000, seed: 9783 },
    );
    expect(runs).toBe(8000);
  });

  test('12,000 mutations of the vectors (flips, truncations, insertions, splices)', () => {
    const r = mulberry32(0x95a);
    const pick = (n: number): number => Math.floor(r() * n);
    let runs = 0;
    parsedOk = 0;
    for (let i = 0; i < 12_000; i++) {
      const t = seeds[pick(seeds.length)]!;
      let out: Uint8Array;
      switch (pick(5)) {
        case 0: {
          out = Uint8Array.from(t);
          for (let f = 1 + pick(6); f > 0; f--) out[pick(out.length)]! ^= 1 << pick(8);
          break;
        }
        case 1:
          out = t.subarray(0, pick(t.length));
          break;
        case 2: {
          const at = pick(t.length + 1);
          const ins = Array.from({ length: 1 + pick(4) }, () => SPECIAL[pick(SPECIAL.length)]!);
          out = Uint8Array.from([...t.subarray(0, at), ...ins, ...t.subarray(at)]);
          break;
        }
        case 3: {
          out = Uint8Array.from(t);
          for (let f = 1 + pick(4); f > 0; f--)
            out[pick(out.length)] = SPECIAL[pick(SPECIAL.length)]!;
          break;
        }
        default: {
          const o = seeds[pick(seeds.length)]!;
          out = Uint8Array.from([...t.subarray(0, pick(t.length)), ...o.subarray(pick(o.length))]);
        }
      }
      check(out);
      runs++;
    }
    expect(runs).toBe(12_000);
    // about a sixth of the mutants are still well-formed tokens (then verified, and refused)
    expect(parsedOk).toBeGreaterThan(1000);
  });

  test('3,000 claims maps with random values under the PSA claim keys', () => {
    const leaf = fc.oneof(
      fc.uint8Array({ maxLength: 70 }),
      fc.string({ maxLength: 24 }),
      fc.integer(),
      fc.constantFrom(0, 1, 0x3000, 0x60ff, 0x7fffffff, -0x80000000, 2 ** 53 - 1),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(PSA_PROFILE.RFC9783, PSA_PROFILE.PSA_2_0_0, '1234567890123-12345'),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc
          .array(fc.tuple(fc.constantFrom(1, 2, 4, 5, 6, 7, -1), tie('value')), { maxLength: 5 })
          .map((entries) => new Map(entries)),
      ),
    }));
    parsedOk = 0;
    const claimKey = fc.constantFrom(...Object.values(PSA_CLAIM), -75000, 11, 999);
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(claimKey, fc.option(value, { nil: undefined })), { maxLength: 6 }),
        fc.boolean(),
        (changes, fromScratch) => {
          runs++;
          const m = fromScratch ? new Map<unknown, unknown>() : tfmClaimsMap();
          for (const [key, v] of changes) {
            if (v === undefined) m.delete(key);
            else m.set(key, v);
          }
          check(unsigned(m));
        },
      ),
      { numRuns: 3000, seed: 2399 },
    );
    expect(runs).toBe(3000);
    // some maps keep every claim valid and parse: the claim checks are reached, not just CBOR
    expect(parsedOk).toBeGreaterThan(100);
  });
});
