// The Attestation Result: sign/verify round trip, an independent signature check, both claim
// spellings, key selection by kid, structure errors naming the claim, the AR4SI tiers on their
// boundaries, and a property test that verifyEar never rejects.
import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, importJWK, type JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import {
  AR4SI,
  CRYPTO_VALIDATION_FAILED,
  EAR_PROFILE,
  EAR_TYP,
  TRUSTWORTHINESS_CLAIMS,
  parseEarPayload,
  signEar,
  statusOf,
  tierOf,
  verifyEar,
  type Ear,
  type EarStatus,
} from '../../../src/lib/rats/ear.js';
import { UEID_TYPE } from '../../../src/lib/rats/eat-claims.js';
import { RatsError } from '../../../src/lib/rats/errors.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

function ecPair(kid: string): { priv: JWK; pub: JWK } {
  const pair = generateJwkPair('P-256');
  return { priv: pair.privateJwk, pub: { ...pair.publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

const dcs = ecPair('dcs-2026');
const other = ecPair('dcs-old');
const jwks = { keys: [other.pub, dcs.pub] };
const attested = generateJwkPair('P-256').publicJwk;

const toBase64url = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');
const b64uJson = (v: unknown): string => toBase64url(JSON.stringify(v));

function sampleEar(): Ear {
  const ueid = new Uint8Array(17);
  ueid[0] = UEID_TYPE.RAND;
  ueid.set(randomBytes(16), 1);
  return {
    eatProfile: EAR_PROFILE,
    iat: 1_760_000_100,
    verifierId: { build: 'npn-onboard 0.1.0', developer: 'https://npn-onboard.example' },
    nonce: new Uint8Array(randomBytes(32)),
    submods: {
      ue: {
        status: 'affirming',
        trustworthinessVector: {
          'instance-identity': AR4SI.instanceIdentity.trustworthy,
          configuration: AR4SI.configuration.approved,
          executables: AR4SI.executables.approved,
          hardware: AR4SI.hardware.genuine,
        },
        appraisalPolicyId: 'policy:npn-onboard/device-class/ue-v1',
        ueid,
        cnf: attested,
      },
    },
  };
}

const sign = (ear: Ear = sampleEar()): Promise<string> =>
  signEar(ear, { privateJwk: dcs.priv, kid: 'dcs-2026' });

const payloadOf = (jws: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Sign an arbitrary claims set the way a (possibly foreign) verifier would. */
async function signRaw(payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(dcs.priv, 'ES256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: 'dcs-2026', ...header })
    .sign(key);
}

/** Rewrite every "ear.x" claim name (and the AR4SI names) in the underscored spelling. */
function underscored(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(underscored);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k.startsWith('ear.') || k.includes('-') ? k.replace('.', '_').replace(/-/g, '_') : k,
      k === 'jwk' ? x : underscored(x),
    ]),
  );
}

function expectInvalid(r: { ok: boolean; error?: RatsError }, mentions: string): void {
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe('EAR_INVALID');
  expect(r.error?.message).toContain(mentions);
}

describe('sign and verify', () => {
  test('round trip', async () => {
    const ear = sampleEar();
    const jws = await sign(ear);
    const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: EAR_TYP, kid: 'dcs-2026' });
    const r = await verifyEar(jws, jwks);
    expect(r.ok && r.value).toEqual(ear);
  });

  test("the payload uses the draft's claim names", async () => {
    const ear = sampleEar();
    const payload = payloadOf(await sign(ear));
    expect(payload).toEqual({
      eat_profile: EAR_PROFILE,
      iat: ear.iat,
      'ear.verifier-id': ear.verifierId,
      eat_nonce: toBase64url(ear.nonce!),
      submods: {
        ue: {
          'ear.status': 'affirming',
          'ear.trustworthiness-vector': {
            'instance-identity': 2,
            configuration: 2,
            executables: 2,
            hardware: 2,
          },
          'ear.appraisal-policy-id': ear.submods.ue!.appraisalPolicyId,
          ueid: toBase64url(ear.submods.ue!.ueid),
          cnf: { jwk: attested },
        },
      },
    });
  });

  test('an EAR without nonce or cnf, a contraindicated one with 99', async () => {
    const ear = sampleEar();
    delete ear.nonce;
    delete ear.submods.ue!.cnf;
    ear.submods.ue!.status = 'contraindicated';
    ear.submods.ue!.trustworthinessVector = { 'instance-identity': CRYPTO_VALIDATION_FAILED };
    const r = await verifyEar(await sign(ear), jwks);
    expect(r.ok && r.value).toEqual(ear);
  });

  test('the signature verifies independently with node:crypto', async () => {
    const jws = await sign();
    const [h, p, s] = jws.split('.') as [string, string, string];
    const key = createPublicKey({ key: dcs.pub, format: 'jwk' });
    const sig = Buffer.from(s, 'base64url');
    const data = Buffer.from(`${h}.${p}`);
    expect(cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const wrong = createPublicKey({ key: other.pub, format: 'jwk' });
    expect(cryptoVerify('sha256', data, { key: wrong, dsaEncoding: 'ieee-p1363' }, sig)).toBe(
      false,
    );
  });

  test('signEar refuses an invalid EAR and a non-P-256 key', async () => {
    const ear = sampleEar();
    ear.submods.ue!.trustworthinessVector.hardware = 300;
    await expect(sign(ear)).rejects.toMatchObject({ code: 'EAR_INVALID' });
    await expect(sign({ ...sampleEar(), eatProfile: 'x' })).rejects.toBeInstanceOf(RatsError);
    const ed = generateJwkPair('Ed25519').privateJwk;
    await expect(signEar(sampleEar(), { privateJwk: ed, kid: 'k' })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
    await expect(signEar(sampleEar(), { privateJwk: dcs.pub, kid: 'k' })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
  });
});

describe('spellings', () => {
  test('dotted and underscored claims parse to the same Ear', async () => {
    const ear = sampleEar();
    const dotted = payloadOf(await sign(ear));
    const under = underscored(dotted) as Record<string, unknown>;
    expect(Object.keys(under)).toContain('ear_verifier_id');
    expect(Object.keys((under.submods as Record<string, object>).ue!)).toContain('ear_status');
    const a = parseEarPayload(dotted);
    const b = parseEarPayload(under);
    expect(a.ok && a.value).toEqual(ear);
    expect(b.ok && b.value).toEqual(ear);
    // "ear_verifier-id" (only the dot replaced) too.
    const mixed: Record<string, unknown> = {
      ...dotted,
      'ear_verifier-id': dotted['ear.verifier-id'],
    };
    delete mixed['ear.verifier-id'];
    const c = parseEarPayload(mixed);
    expect(c.ok && c.value).toEqual(ear);
    // And through a signed token.
    const r = await verifyEar(await signRaw(under), jwks);
    expect(r.ok && r.value).toEqual(ear);
  });

  test('one claim in two spellings at once is refused', async () => {
    const dotted = payloadOf(await sign());
    const both = { ...dotted, ear_verifier_id: dotted['ear.verifier-id'] };
    expectInvalid(parseEarPayload(both), 'ear.verifier-id');
    const submods = dotted.submods as Record<string, Record<string, unknown>>;
    submods.ue!.ear_status = 'warning';
    expectInvalid(parseEarPayload(dotted), 'ear.status');
  });
});

describe('verifyEar refuses', () => {
  test('an unknown kid, a missing kid, a key of another type', async () => {
    const jws = await sign();
    expectInvalid(await verifyEar(jws, { keys: [other.pub] }), 'kid');
    expectInvalid(await verifyEar(jws, { keys: [] }), 'kid');
    expectInvalid(await verifyEar(await signRaw(payloadOf(jws), { kid: undefined }), jwks), 'kid');
    const ed = generateJwkPair('Ed25519').publicJwk;
    expectInvalid(await verifyEar(jws, { keys: [{ ...ed, kid: 'dcs-2026' }] }), 'key');
    expectInvalid(await verifyEar(jws, { keys: [dcs.pub, dcs.pub] }), 'kid');
  });

  test('the right kid on the wrong key', async () => {
    const jws = await sign();
    expectInvalid(await verifyEar(jws, { keys: [{ ...other.pub, kid: 'dcs-2026' }] }), 'signature');
  });

  test('a tampered payload or signature', async () => {
    const jws = await sign();
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = payloadOf(jws);
    (payload.submods as Record<string, Record<string, unknown>>).ue!['ear.status'] = 'affirming';
    (payload.submods as Record<string, Record<string, unknown>>).ue!['ear.trustworthiness-vector'] =
      { hardware: 2 };
    expectInvalid(await verifyEar(`${h}.${b64uJson(payload)}.${s}`, jwks), 'signature');
    const sig = Buffer.from(s, 'base64url');
    sig[0] = sig[0]! ^ 0x80;
    expectInvalid(await verifyEar(`${h}.${p}.${toBase64url(sig)}`, jwks), 'signature');
  });

  test('algorithms other than ES256, and unsecured tokens', async () => {
    const jws = await sign();
    const [, p, s] = jws.split('.') as [string, string, string];
    for (const alg of ['HS256', 'none', 'EdDSA', 'ES384']) {
      const h = b64uJson({ alg, kid: 'dcs-2026' });
      expectInvalid(await verifyEar(`${h}.${p}.${s}`, jwks), 'alg');
    }
    expectInvalid(await verifyEar(`${b64uJson({ alg: 'none' })}.${p}.`, jwks), 'signature');
  });

  test('a signed claims set with bad structure names the claim', async () => {
    const payload = payloadOf(await sign());
    payload.iat = 'yesterday';
    expectInvalid(await verifyEar(await signRaw(payload), jwks), 'claim iat');
  });
});

describe('parseEarPayload names the bad claim', () => {
  type Edit = (p: Record<string, unknown>, ue: Record<string, unknown>) => void;
  const cases: [string, Edit][] = [
    ['eat_profile', (p) => (p.eat_profile = 'urn:other')],
    ['eat_profile', (p) => delete p.eat_profile],
    ['iat', (p) => (p.iat = -5)],
    ['iat', (p) => (p.iat = 1.5)],
    ['ear.verifier-id', (p) => (p['ear.verifier-id'] = 'dcs')],
    ['ear.verifier-id', (p) => (p['ear.verifier-id'] = { build: 'b' })],
    ['ear.verifier-id', (p) => delete p['ear.verifier-id']],
    ['eat_nonce', (p) => (p.eat_nonce = 'AA==')],
    ['eat_nonce', (p) => (p.eat_nonce = 'AAAA')],
    ['submods', (p) => (p.submods = {})],
    ['submods', (p) => (p.submods = [])],
    ['submods', (p) => delete p.submods],
    ['ear.status', (_, ue) => (ue['ear.status'] = 'fine')],
    ['ear.status', (_, ue) => delete ue['ear.status']],
    ['ear.trustworthiness-vector', (_, ue) => (ue['ear.trustworthiness-vector'] = [2])],
    ['ear.trustworthiness-vector', (_, ue) => (ue['ear.trustworthiness-vector'] = { foo: 2 })],
    [
      'ear.trustworthiness-vector',
      (_, ue) => (ue['ear.trustworthiness-vector'] = { hardware: 128 }),
    ],
    [
      'ear.trustworthiness-vector',
      (_, ue) => (ue['ear.trustworthiness-vector'] = { hardware: -129 }),
    ],
    [
      'ear.trustworthiness-vector',
      (_, ue) => (ue['ear.trustworthiness-vector'] = { hardware: '2' }),
    ],
    [
      'ear.trustworthiness-vector',
      (_, ue) => (ue['ear.trustworthiness-vector'] = { 'file-system': 2, file_system: 2 }),
    ],
    ['ear.appraisal-policy-id', (_, ue) => (ue['ear.appraisal-policy-id'] = 5)],
    ['ear.appraisal-policy-id', (_, ue) => delete ue['ear.appraisal-policy-id']],
    ['ueid', (_, ue) => (ue.ueid = 'AQID')],
    ['ueid', (_, ue) => delete ue.ueid],
    ['cnf', (_, ue) => (ue.cnf = { jwk: 'k' })],
    ['cnf', (_, ue) => (ue.cnf = { jwk: { ...attested, d: 'AAAA' } })],
    ['cnf', (_, ue) => (ue.cnf = { jwk: { kty: 'oct', k: 'AAAA' } })],
  ];
  for (const [claim, edit] of cases) {
    test(`${claim}: ${edit.toString().slice(0, 70)}`, async () => {
      const payload = payloadOf(await sign());
      const ue = (payload.submods as Record<string, Record<string, unknown>>).ue!;
      edit(payload, ue);
      const r = parseEarPayload(payload);
      expectInvalid(r, claim);
      expect(r.ok || r.error.message).toMatch(/^claim /);
    });
  }

  test('non-objects', () => {
    for (const v of [null, 1, 'x', [], undefined]) expect(parseEarPayload(v).ok).toBe(false);
  });

  test('an empty vector and the underscored AR4SI names are accepted', async () => {
    const payload = payloadOf(await sign());
    const ue = (payload.submods as Record<string, Record<string, unknown>>).ue!;
    ue['ear.trustworthiness-vector'] = {};
    const r1 = parseEarPayload(payload);
    expect(r1.ok && r1.value.submods.ue!.trustworthinessVector).toEqual({});
    ue['ear.trustworthiness-vector'] = { instance_identity: 97, 'storage-opaque': -1 };
    const r2 = parseEarPayload(payload);
    expect(r2.ok && r2.value.submods.ue!.trustworthinessVector).toEqual({
      'instance-identity': 97,
      'storage-opaque': -1,
    });
  });
});

describe('AR4SI tiers', () => {
  const boundaries: [number, EarStatus][] = [
    [0, 'none'],
    [1, 'none'],
    [-1, 'none'],
    [2, 'affirming'],
    [31, 'affirming'],
    [-2, 'affirming'],
    [-32, 'affirming'],
    [32, 'warning'],
    [95, 'warning'],
    [-33, 'warning'],
    [-96, 'warning'],
    [96, 'contraindicated'],
    [99, 'contraindicated'],
    [127, 'contraindicated'],
    [-97, 'contraindicated'],
    [-128, 'contraindicated'],
    // Outside int8, or not an integer: never better than contraindicated.
    [128, 'contraindicated'],
    [-129, 'contraindicated'],
    [2.5, 'contraindicated'],
    [Number.NaN, 'contraindicated'],
  ];
  for (const [value, tier] of boundaries) {
    test(`${value} is ${tier}`, () => {
      expect(tierOf(value)).toBe(tier);
      expect(statusOf({ hardware: value })).toBe(tier);
    });
  }

  test('statusOf is the worst tier; none for an empty vector', () => {
    expect(statusOf({})).toBe('none');
    expect(statusOf({ hardware: 2, configuration: 0 })).toBe('affirming');
    expect(statusOf({ hardware: 2, configuration: 32, executables: 3 })).toBe('warning');
    expect(statusOf({ 'instance-identity': 97, hardware: 2, configuration: 32 })).toBe(
      'contraindicated',
    );
    expect(statusOf({ 'sourced-data': -40, 'runtime-opaque': 2 })).toBe('warning');
  });

  test('the named codes fall in the tiers their names say', () => {
    expect(tierOf(AR4SI.instanceIdentity.trustworthy)).toBe('affirming');
    expect(tierOf(AR4SI.instanceIdentity.untrustworthy)).toBe('contraindicated');
    expect(tierOf(AR4SI.instanceIdentity.unrecognized)).toBe('contraindicated');
    expect(tierOf(AR4SI.configuration.unavailable)).toBe('warning');
    expect(tierOf(AR4SI.executables.unrecognized)).toBe('warning');
    expect(tierOf(AR4SI.hardware.unrecognized)).toBe('contraindicated');
    expect(tierOf(CRYPTO_VALIDATION_FAILED)).toBe('contraindicated');
    expect(tierOf(AR4SI.VERIFIER_MALFUNCTION)).toBe('none');
    expect(TRUSTWORTHINESS_CLAIMS).toHaveLength(8);
  });
});

// ---- the never-rejects property ----

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}[]":,\\\0';

async function expectEarResult(p: Promise<unknown>): Promise<void> {
  const r = (await p) as { ok: boolean; error?: unknown };
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(RatsError);
    expect((r.error as RatsError).code).toBe('EAR_INVALID');
  }
}

describe('verifyEar never rejects', () => {
  test('10,000 arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 300 }),
          fc
            .tuple(fc.jsonValue(), fc.jsonValue())
            .map(([h, p]) => `${b64uJson(h)}.${b64uJson(p)}.c2ln`),
          fc
            .jsonValue()
            .map((p) => `${b64uJson({ alg: 'ES256', kid: 'dcs-2026' })}.${b64uJson(p)}.c2ln`),
        ),
        (text) => expectEarResult(verifyEar(text, jwks)),
      ),
      { numRuns: 10_000, seed: 0xea7 },
    );
  });

  test('10,000 mutated valid EARs', async () => {
    const jws = await sign();
    const [h, , s] = jws.split('.') as [string, string, string];
    const payload = payloadOf(jws);
    const textMutation = fc
      .array(
        fc.tuple(
          fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
          fc.nat(),
          fc.constantFrom(...alphabet),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((ops) => {
        let t = jws;
        for (const [op, pos, ch] of ops) {
          const at = t.length === 0 ? 0 : pos % t.length;
          if (op === 'replace') t = t.slice(0, at) + ch + t.slice(at + 1);
          else if (op === 'insert') t = t.slice(0, at) + ch + t.slice(at);
          else if (op === 'delete') t = t.slice(0, at) + t.slice(at + 1);
          else t = t.slice(0, at);
        }
        return t;
      });
    const claimMutation = fc
      .tuple(
        fc.constantFrom(...Object.keys(payload), 'ear_status'),
        fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
      )
      .map(([name, value]) => {
        const p = { ...payload };
        if (value === undefined) Reflect.deleteProperty(p, name);
        else p[name] = value;
        return `${h}.${b64uJson(p)}.${s}`;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(textMutation, claimMutation), (text) =>
        expectEarResult(verifyEar(text, jwks)),
      ),
      { numRuns: 10_000, seed: 0xea8 },
    );
  });

  test('parseEarPayload never throws on mutated claims sets', async () => {
    const payload = payloadOf(await sign());
    const ue = (payload.submods as Record<string, Record<string, unknown>>).ue!;
    const names = [...Object.keys(payload), ...Object.keys(ue).map((k) => `ue.${k}`)];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 4 }), (name, value) => {
        const p = structuredClone(payload);
        if (name.startsWith('ue.')) {
          (p.submods as Record<string, Record<string, unknown>>).ue![name.slice(3)] = value;
        } else p[name] = value;
        const r = parseEarPayload(p);
        if (!r.ok) expect(r.error.code).toBe('EAR_INVALID');
      }),
      { numRuns: 5_000, seed: 0xea9 },
    );
  });

  test('malformed JWKS arguments', async () => {
    const jws = await sign();
    for (const bad of [{ keys: [null, 1, 'x'] }, { keys: 'x' }, {}, null]) {
      await expectEarResult(verifyEar(jws, bad as unknown as { keys: JWK[] }));
    }
  });
});
