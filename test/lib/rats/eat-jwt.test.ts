// The JWT form of the EAT profile: round trips for each algorithm, verification failures, alg
// confusion, claim type errors, header and encoding rules, an independent signature check with
// node:crypto, and a property test that parseEatJwt never throws.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
  type JsonWebKey,
} from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import {
  EAT_PROFILE,
  INTUSE,
  UEID_TYPE,
  type EatClaims,
} from '../../../src/lib/rats/eat-claims.js';
import {
  EAT_JWT_MAX_CHARS,
  EAT_JWT_TYP,
  JSON_MAX_DEPTH,
  depthWithin,
  encodeEatJwt,
  es256JwsSignatureValidInPool,
  parseEatJwt,
  verifyEatJwt,
  type ParsedEatJwt,
} from '../../../src/lib/rats/eat-jwt.js';
import { fromBase64url } from '../../../src/lib/bytes.js';
import { RatsError } from '../../../src/lib/rats/errors.js';
import { jwkKeyPair, rsaJwkPair } from '../../helpers.js';

const octKey = (): JWK => ({ kty: 'oct', k: randomBytes(32).toString('base64url') });

const es = jwkKeyPair('ec');
const es2 = jwkKeyPair('ec');
const ed = jwkKeyPair('ed25519');
const ed2 = jwkKeyPair('ed25519');
const hs = octKey();
const hs2 = octKey();
const attested = jwkKeyPair('ec').pub;

const toBase64url = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');
const b64uJson = (v: unknown): string => toBase64url(JSON.stringify(v));

function baseClaims(): EatClaims {
  const ueid = new Uint8Array(17);
  ueid[0] = UEID_TYPE.RAND;
  ueid.set(randomBytes(16), 1);
  return { nonce: new Uint8Array(randomBytes(32)), ueid, cnf: attested, iat: 1_760_000_000 };
}

function fullClaims(): EatClaims {
  return {
    ...baseClaims(),
    oemid: new Uint8Array([0x00, 0x1b, 0x63]),
    hwmodel: new Uint8Array([1, 2, 3, 4]),
    swname: 'npn-ue-firmware',
    swversion: { version: '1.4.2', scheme: 16384 },
    oemboot: true,
    dbgstat: 3,
    measurements: [{ contentType: 0, content: new Uint8Array(randomBytes(32)) }],
    intuse: INTUSE.provisioning,
    eatProfile: EAT_PROFILE,
  };
}

function parsed(token: string): ParsedEatJwt {
  const r = parseEatJwt(token);
  if (!r.ok) throw r.error;
  return r.value;
}

/** A token with the given header and payload and a dummy signature (parsing never verifies). */
function raw(header: unknown, payload: unknown, sig = 'c2ln'): string {
  return `${b64uJson(header)}.${b64uJson(payload)}.${sig}`;
}

/** The JSON claims of a fresh valid token, to alter one at a time. */
async function validPayload(): Promise<Record<string, unknown>> {
  const token = await encodeEatJwt(fullClaims(), { key: hs });
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('round trips', () => {
  const cases: [string, JWK, JWK, string][] = [
    ['ES256', es.priv, es.pub, 'ES256'],
    ['EdDSA', ed.priv, ed.pub, 'EdDSA'],
    ['HS256', hs, hs, 'HS256'],
  ];
  for (const [name, priv, pub, alg] of cases) {
    test(`${name}: encode, parse, verify`, async () => {
      const claims = fullClaims();
      const token = await encodeEatJwt(claims, { key: priv, kid: 'ueid-kid' });
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
      expect(header).toEqual({ alg, typ: EAT_JWT_TYP, kid: 'ueid-kid' });
      const p = parsed(token);
      expect(p.alg).toBe(alg);
      expect(p.kid).toBe('ueid-kid');
      expect(p.jws).toBe(token);
      expect(p.claims).toEqual(claims);
      expect(await verifyEatJwt(p, pub)).toBe(true);
    });
  }

  test('the JWT names and encodings of the claims', async () => {
    const claims = fullClaims();
    const token = await encodeEatJwt(claims, { key: es.priv });
    const json = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(json).toEqual({
      eat_nonce: toBase64url(claims.nonce),
      ueid: toBase64url(claims.ueid),
      cnf: { jwk: attested },
      iat: claims.iat,
      oemid: toBase64url(claims.oemid as Uint8Array),
      hwmodel: toBase64url(claims.hwmodel!),
      swname: claims.swname,
      swversion: ['1.4.2', 16384],
      oemboot: true,
      dbgstat: 3,
      measurements: [[0, toBase64url(claims.measurements![0]!.content)]],
      intuse: 3,
      eat_profile: EAT_PROFILE,
    });
    expect(parsed(token).kid).toBeUndefined();
  });

  test('oemid as a Private Enterprise Number, swversion without a scheme', async () => {
    const claims: EatClaims = { ...baseClaims(), oemid: 32473, swversion: { version: '2' } };
    const p = parsed(await encodeEatJwt(claims, { key: ed.priv }));
    expect(p.claims).toEqual(claims);
  });

  test('a private JWK given to verify still verifies (only its public part is used)', async () => {
    const p = parsed(await encodeEatJwt(baseClaims(), { key: es.priv }));
    expect(await verifyEatJwt(p, es.priv)).toBe(true);
  });
});

describe('encoding refuses', () => {
  test('bad claims (EVIDENCE_MALFORMED)', async () => {
    const claims = { ...baseClaims(), nonce: new Uint8Array(4) };
    await expect(encodeEatJwt(claims, { key: hs })).rejects.toMatchObject({
      code: 'EVIDENCE_MALFORMED',
    });
  });
  test('a public key (KEY_INVALID), a short secret (KEY_INVALID), RSA (UNSUPPORTED)', async () => {
    await expect(encodeEatJwt(baseClaims(), { key: es.pub })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
    const short: JWK = { kty: 'oct', k: randomBytes(16).toString('base64url') };
    await expect(encodeEatJwt(baseClaims(), { key: short })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
    const rsaJwk = rsaJwkPair(2048).priv;
    await expect(encodeEatJwt(baseClaims(), { key: rsaJwk })).rejects.toBeInstanceOf(RatsError);
    await expect(encodeEatJwt(baseClaims(), { key: rsaJwk })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALGORITHM',
    });
  });
});

describe('verification fails', () => {
  test('with another key of the same type', async () => {
    const pairs: [JWK, JWK][] = [
      [es.priv, es2.pub],
      [ed.priv, ed2.pub],
      [hs, hs2],
    ];
    for (const [priv, other] of pairs) {
      const p = parsed(await encodeEatJwt(baseClaims(), { key: priv }));
      expect(await verifyEatJwt(p, other)).toBe(false);
    }
  });

  test('with a key of another type', async () => {
    const p = parsed(await encodeEatJwt(baseClaims(), { key: es.priv }));
    expect(await verifyEatJwt(p, ed.pub)).toBe(false);
    expect(await verifyEatJwt(p, hs)).toBe(false);
    expect(await verifyEatJwt(p, rsaJwkPair(2048).pub)).toBe(false);
    expect(await verifyEatJwt(p, {} as JWK)).toBe(false);
    expect(await verifyEatJwt(p, null as unknown as JWK)).toBe(false);
  });

  test('for a tampered payload or signature', async () => {
    for (const [priv, pub] of [
      [es.priv, es.pub],
      [ed.priv, ed.pub],
      [hs, hs],
    ] as [JWK, JWK][]) {
      const token = await encodeEatJwt(baseClaims(), { key: priv });
      const [h, p, s] = token.split('.') as [string, string, string];
      const json = JSON.parse(Buffer.from(p, 'base64url').toString());
      json.iat += 1;
      const tamperedPayload = parsed(`${h}.${b64uJson(json)}.${s}`);
      expect(tamperedPayload.claims.iat).toBe(1_760_000_001);
      expect(await verifyEatJwt(tamperedPayload, pub)).toBe(false);
      const sig = Buffer.from(s, 'base64url');
      sig[5] = sig[5]! ^ 0x01;
      expect(await verifyEatJwt(parsed(`${h}.${p}.${toBase64url(sig)}`), pub)).toBe(false);
    }
  });
});

describe('alg confusion', () => {
  test('an HS256 token whose secret is the EC public key does not verify with that key', async () => {
    const claims = baseClaims();
    const payload = b64uJson({
      eat_nonce: toBase64url(claims.nonce),
      ueid: toBase64url(claims.ueid),
      cnf: { jwk: attested },
      iat: claims.iat,
    });
    const header = b64uJson({ alg: 'HS256', typ: EAT_JWT_TYP });
    const pubKey = createPublicKey({ key: es.pub, format: 'jwk' });
    const secrets = [
      Buffer.from(JSON.stringify(es.pub)),
      pubKey.export({ format: 'der', type: 'spki' }),
      Buffer.from(pubKey.export({ format: 'pem', type: 'spki' })),
      Buffer.from(es.pub.x!, 'base64url'),
    ];
    for (const secret of secrets) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
      const p = parsed(`${header}.${payload}.${toBase64url(mac)}`);
      expect(p.alg).toBe('HS256');
      expect(await verifyEatJwt(p, es.pub)).toBe(false);
      // Even a caller who rewrites the parsed alg cannot make the MAC pass as a signature.
      expect(await verifyEatJwt({ ...p, alg: 'ES256' }, es.pub)).toBe(false);
    }
  });

  test('alg "none" is refused by the parser', () => {
    const claims = baseClaims();
    const payload = {
      eat_nonce: toBase64url(claims.nonce),
      ueid: toBase64url(claims.ueid),
      cnf: { jwk: attested },
      iat: claims.iat,
    };
    const unsecured = `${b64uJson({ alg: 'none' })}.${b64uJson(payload)}.`;
    const r1 = parseEatJwt(unsecured);
    expect(r1.ok).toBe(false);
    const r2 = parseEatJwt(raw({ alg: 'none' }, payload));
    expect(!r2.ok && r2.error.code).toBe('UNSUPPORTED_ALGORITHM');
    for (const alg of ['RS256', 'ES384', 'HS512', 'PS256', 'Ed25519', 'es256', 42]) {
      const r = parseEatJwt(raw({ alg }, payload));
      expect(!r.ok && r.error.code).toBe('UNSUPPORTED_ALGORITHM');
    }
  });

  test('a header alg of EdDSA with a P-256 key, and the reverse, do not verify', async () => {
    const edToken = parsed(await encodeEatJwt(baseClaims(), { key: ed.priv }));
    expect(edToken.alg).toBe('EdDSA');
    expect(await verifyEatJwt(edToken, es.pub)).toBe(false);
    const esToken = parsed(await encodeEatJwt(baseClaims(), { key: es.priv }));
    expect(await verifyEatJwt({ ...esToken, alg: 'EdDSA' }, es.pub)).toBe(false);
    expect(await verifyEatJwt(esToken, ed.pub)).toBe(false);
  });
});

describe('independent signature check with node:crypto', () => {
  test('ES256 (ieee-p1363), EdDSA and HS256 tokens verify without jose', async () => {
    for (const [priv, pub, alg] of [
      [es.priv, es.pub, 'ES256'],
      [ed.priv, ed.pub, 'EdDSA'],
      [hs, hs, 'HS256'],
    ] as [JWK, JWK, string][]) {
      const token = await encodeEatJwt(fullClaims(), { key: priv });
      const [h, p, s] = token.split('.') as [string, string, string];
      const data = Buffer.from(`${h}.${p}`, 'ascii');
      const sig = Buffer.from(s, 'base64url');
      if (alg === 'HS256') {
        const mac = createHmac('sha256', Buffer.from(pub.k!, 'base64url')).update(data).digest();
        expect(mac.equals(sig)).toBe(true);
        continue;
      }
      const key = createPublicKey({ key: pub, format: 'jwk' });
      const hash = alg === 'ES256' ? 'sha256' : null;
      expect(sig.length).toBe(64);
      expect(cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
      data[0] = data[0]! ^ 1;
      expect(cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(false);
    }
  });
});

describe('claim type errors give EVIDENCE_MALFORMED naming the claim', () => {
  const cases: [string, unknown][] = [
    ['eat_nonce', 12],
    ['eat_nonce', 'not base64url!'],
    ['eat_nonce', 'AAAAAAAAAAA='],
    ['eat_nonce', toBase64url(new Uint8Array(4))],
    ['eat_nonce', undefined],
    ['ueid', ['AQ']],
    ['ueid', toBase64url(new Uint8Array([0x09, 1, 2, 3, 4, 5, 6]))],
    ['ueid', undefined],
    ['cnf', 'key'],
    ['cnf', { jwk: 'key' }],
    ['cnf', { kid: 'x' }],
    ['cnf', { jwk: es.priv }],
    ['cnf', { jwk: hs }],
    ['cnf', undefined],
    ['iat', '1760000000'],
    ['iat', 1.5],
    ['iat', -1],
    ['iat', undefined],
    ['oemid', true],
    ['oemid', toBase64url(new Uint8Array(5))],
    ['oemid', -3],
    ['hwmodel', 7],
    ['hwmodel', ''],
    ['swname', 1],
    ['swname', ''],
    ['swversion', '1.0'],
    ['swversion', []],
    ['swversion', [1]],
    ['swversion', ['1.0', 'x']],
    ['swversion', ['1.0', 1.5]],
    ['swversion', ['1.0', 1, 2]],
    ['oemboot', 'true'],
    ['dbgstat', 'disabled'],
    ['dbgstat', 9],
    ['measurements', {}],
    ['measurements', [[0]]],
    ['measurements', [['0', 'AA']]],
    ['measurements', [[0, 'A']]],
    ['measurements', [[-1, 'AA']]],
    ['intuse', 'provisioning'],
    ['intuse', 0],
    ['eat_profile', 5],
    ['eat_profile', 'urn:other'],
  ];
  for (const [name, value] of cases) {
    test(`${name} = ${JSON.stringify(value) ?? 'missing'}`, async () => {
      const payload = await validPayload();
      if (value === undefined) Reflect.deleteProperty(payload, name);
      else payload[name] = value;
      const r = parseEatJwt(raw({ alg: 'ES256' }, payload));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('EVIDENCE_MALFORMED');
        expect(r.error.message).toContain(`claim ${name}:`);
        expect(r.error.message).toContain('expected');
      }
    });
  }

  test('unknown claims are ignored', async () => {
    const payload = { ...(await validPayload()), ext: { a: 1 } };
    expect(parseEatJwt(raw({ alg: 'HS256' }, payload)).ok).toBe(true);
  });
});

describe('structure, header and limits', () => {
  const malformed = (text: string): string => {
    const r = parseEatJwt(text);
    expect(r.ok).toBe(false);
    if (r.ok) return '';
    expect(r.error.code).toBe('EVIDENCE_MALFORMED');
    return r.error.message;
  };

  test('compact syntax', async () => {
    const token = await encodeEatJwt(baseClaims(), { key: hs });
    const [h, p, s] = token.split('.') as [string, string, string];
    malformed('');
    malformed(`${h}.${p}`);
    malformed(`${h}.${p}.${s}.${s}`);
    malformed(`${h}.${p}.`);
    malformed(`${h}=.${p}.${s}`);
    malformed(`${h}.${p}.${s}=`);
    malformed(`${h}.${p}.${s.slice(0, -1)}+`);
    malformed(` ${h}.${p}.${s}`);
    malformed(`${toBase64url('not json')}.${p}.${s}`);
    malformed(`${b64uJson([1])}.${p}.${s}`);
    malformed(`${h}.${b64uJson([1, 2])}.${s}`);
    malformed(`${h}.${b64uJson('str')}.${s}`);
    malformed(`${h}.${toBase64url(Buffer.from([0x7b, 0xff, 0x7d]))}.${s}`);
    expect(parseEatJwt(undefined as unknown as string).ok).toBe(false);
  });

  test('header rules: crit, b64, kid, typ', async () => {
    const payload = await validPayload();
    expect(malformed(raw({ alg: 'ES256', crit: ['exp'], exp: 1 }, payload))).toContain('crit');
    expect(malformed(raw({ alg: 'ES256', b64: false, crit: ['b64'] }, payload))).toContain('crit');
    expect(malformed(raw({ alg: 'ES256', b64: false }, payload))).toContain('b64');
    expect(malformed(raw({ alg: 'ES256', kid: 7 }, payload))).toContain('kid');
    expect(malformed(raw({ alg: 'ES256', typ: 'at+jwt' }, payload))).toContain('typ');
    for (const typ of ['eat+jwt', 'application/eat+jwt', 'EAT+JWT', 'JWT']) {
      expect(parseEatJwt(raw({ alg: 'ES256', typ }, payload)).ok).toBe(true);
    }
  });

  test('non-canonical base64url is refused', () => {
    expect(fromBase64url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64url('AB')).toBeUndefined(); // non-zero unused bits
    expect(fromBase64url('AA==')).toBeUndefined();
    expect(fromBase64url('A')).toBeUndefined();
    expect(fromBase64url('A+/A')).toBeUndefined();
    expect(fromBase64url('AA AA')).toBeUndefined();
    expect(fromBase64url('')).toEqual(new Uint8Array(0));
  });

  test('a non-canonical claim value is refused', async () => {
    const payload = await validPayload();
    const nonce = payload.eat_nonce as string; // 32 bytes: 43 characters, 2 unused bits
    const last = nonce.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    payload.eat_nonce = nonce.slice(0, -1) + sibling;
    expect(malformed(raw({ alg: 'ES256' }, payload))).toContain('eat_nonce');
  });

  test('size limit', async () => {
    const payload = { ...(await validPayload()), pad: 'x'.repeat(EAT_JWT_MAX_CHARS) };
    expect(malformed(raw({ alg: 'ES256' }, payload))).toContain('larger than');
  });

  test('nesting depth limit', async () => {
    const ok = { ...(await validPayload()), ext: JSON.parse('['.repeat(10) + ']'.repeat(10)) };
    expect(parseEatJwt(raw({ alg: 'ES256' }, ok)).ok).toBe(true);
    const deep = JSON.parse('['.repeat(JSON_MAX_DEPTH) + ']'.repeat(JSON_MAX_DEPTH));
    const tooDeep = { ...(await validPayload()), ext: deep };
    expect(malformed(raw({ alg: 'ES256' }, tooDeep))).toContain('deeper');
    expect(depthWithin('['.repeat(1_000_000), 16)).toBe(false);
    expect(depthWithin('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[[["}', 2)).toBe(true);
  });
});

// ---- the never-throws property ----

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}[]":,\\\0';

function expectResult(r: unknown): void {
  expect(typeof r === 'object' && r !== null && 'ok' in r).toBe(true);
  const res = r as { ok: boolean; error?: unknown };
  if (!res.ok) expect(res.error).toBeInstanceOf(RatsError);
}

describe('parseEatJwt never throws', () => {
  test('10,000 arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 300 }),
          fc
            .tuple(fc.string(), fc.string(), fc.string())
            .map(([a, b, c]) => `${toBase64url(a)}.${toBase64url(b)}.${toBase64url(c)}`),
          fc
            .tuple(fc.jsonValue(), fc.jsonValue())
            .map(([h, p]) => `${b64uJson(h)}.${b64uJson(p)}.c2ln`),
        ),
        (text) => {
          expectResult(parseEatJwt(text));
        },
      ),
      { numRuns: 10_000, seed: 0x5eed },
    );
  });

  test('10,000 mutated valid tokens', async () => {
    const tokens = [
      await encodeEatJwt(fullClaims(), { key: es.priv, kid: 'k' }),
      await encodeEatJwt(fullClaims(), { key: ed.priv }),
      await encodeEatJwt(baseClaims(), { key: hs }),
    ];
    const payloads = tokens.map(
      (t) =>
        JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as Record<
          string,
          unknown
        >,
    );
    const claimNames = Object.keys(payloads[0]!);
    const textMutation = fc
      .tuple(
        fc.nat({ max: tokens.length - 1 }),
        fc.array(
          fc.tuple(
            fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
            fc.nat(),
            fc.constantFrom(...alphabet),
          ),
          { minLength: 1, maxLength: 4 },
        ),
      )
      .map(([i, ops]) => {
        let t = tokens[i]!;
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
        fc.nat({ max: tokens.length - 1 }),
        fc.constantFrom(...claimNames, 'x'),
        fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
      )
      .map(([i, name, value]) => {
        const [h, , s] = tokens[i]!.split('.') as [string, string, string];
        const payload = { ...payloads[i]! };
        if (value === undefined) Reflect.deleteProperty(payload, name);
        else payload[name] = value;
        return `${h}.${b64uJson(payload)}.${s}`;
      });
    fc.assert(
      fc.property(fc.oneof(textMutation, claimMutation), (text) => {
        expectResult(parseEatJwt(text));
      }),
      { numRuns: 10_000, seed: 0x5eee },
    );
  });

  test('verifyEatJwt never rejects on parsed mutants', async () => {
    const token = await encodeEatJwt(baseClaims(), { key: es.priv });
    const p = parsed(token);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...alphabet), async (pos, ch) => {
        const at = pos % token.length;
        const mutant = { ...p, jws: token.slice(0, at) + ch + token.slice(at + 1) };
        const result = await verifyEatJwt(mutant, es.pub);
        expect(typeof result).toBe('boolean');
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('ES256 verification on the thread pool', () => {
  // A JWS made by node:crypto directly, so the signature comes from outside the module.
  const other = jwkKeyPair('ec');
  const signed = (key: JWK) => {
    const input = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"a":1}').toString('base64url')}`;
    const signature = cryptoSign('sha256', Buffer.from(input), {
      key: createPrivateKey({ key: key as JsonWebKey, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  };
  const publicKey = createPublicKey({ key: es.pub as JsonWebKey, format: 'jwk' });

  test('true for a good signature, false for any change, another key or a bad length', async () => {
    const jws = signed(es.priv);
    expect(await es256JwsSignatureValidInPool(jws, publicKey)).toBe(true);
    const flipped = jws.slice(0, -2) + (jws.at(-2) === 'A' ? 'B' : 'A') + jws.at(-1)!;
    expect(await es256JwsSignatureValidInPool(flipped, publicKey)).toBe(false);
    expect(
      await es256JwsSignatureValidInPool(`${jws.slice(0, 5)}x${jws.slice(6)}`, publicKey),
    ).toBe(false);
    expect(await es256JwsSignatureValidInPool(signed(other.priv), publicKey)).toBe(false);
    expect(await es256JwsSignatureValidInPool(jws.slice(0, -4), publicKey)).toBe(false);
    expect(await es256JwsSignatureValidInPool(`${jws}AAAA`, publicKey)).toBe(false);
  });
});
