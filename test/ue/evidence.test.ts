// The device's Evidence in all four forms (CWT/JWT x ES256/HMAC): it decodes under the profile,
// carries the claims DESIGN.md lists, verifies with the AKM the DCS is given, and verifies
// independently too (node:crypto over the COSE structures, jose jwtVerify for the JWS).
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as cborEncode } from 'cborg';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, describe, expect, test } from 'vitest';
import { generateJwkPair } from '../../src/lib/key-pairs.js';
import { parseEatCwt, verifyEatCwt } from '../../src/lib/rats/eat-cwt.js';
import { parseEatJwt, verifyEatJwt } from '../../src/lib/rats/eat-jwt.js';
import type { EatClaims } from '../../src/lib/rats/eat-claims.js';
import { buildEvidence } from '../../src/ue/evidence.js';
import type { AkmKind, KeyStore } from '../../src/ue/key-store.js';
import { createSoftwareDevice } from '../../src/ue/software-key-store.js';

const root = mkdtempSync(join(tmpdir(), 'npn-ue-evidence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function device(akm: AkmKind) {
  return createSoftwareDevice(join(root, `d${n++}`), {
    akm,
    deviceClass: 'cam-v2',
    swname: 'cam-fw',
    swversion: '2.1.0',
    oemid: 'a1b2c3',
    hwmodel: Buffer.from('CAM-200').toString('hex'),
  });
}

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function expectProfileClaims(claims: EatClaims, ueid: Uint8Array, nonce: Uint8Array, cnf: JWK) {
  expect(Buffer.from(claims.nonce).equals(Buffer.from(nonce))).toBe(true);
  expect(Buffer.from(claims.ueid).equals(Buffer.from(ueid))).toBe(true);
  expect(claims.ueid[0]).toBe(0x01);
  expect(claims.ueid).toHaveLength(17);
  expect(claims.oemid).toEqual(Uint8Array.from([0xa1, 0xb2, 0xc3]));
  expect(Buffer.from(claims.hwmodel!).toString()).toBe('CAM-200');
  expect(claims.swname).toBe('cam-fw');
  expect(claims.swversion).toEqual({ version: '2.1.0' });
  expect(claims.oemboot).toBe(true);
  expect(claims.dbgstat).toBe(3);
  expect(claims.intuse).toBe(3);
  expect(claims.iat).toBe(NOW / 1000);
  expect(claims.eatProfile).toBe('urn:npn-onboard:eat-profile:v1');
  expect(claims.cnf).toMatchObject({ kty: 'EC', crv: 'P-256', x: cnf.x, y: cnf.y });
  expect(claims.cnf).not.toHaveProperty('d');
}

describe.each<AkmKind>(['ES256', 'HMAC'])('AKM %s', (akm) => {
  test('CWT: decodes, carries the claims, verifies with the AKM and independently', async () => {
    const store = device(akm);
    const nonce = new Uint8Array(randomBytes(32));
    const ev = await buildEvidence(store, store.identity, nonce, 'cwt', { now: () => NOW });
    expect(ev.contentType).toBe('application/eat+cwt');
    expect(ev.body).toBeInstanceOf(Uint8Array);
    const parsed = parseEatCwt(ev.body as Uint8Array);
    if (!parsed.ok) throw parsed.error;
    const token = parsed.value;
    expect(token.form).toBe(akm === 'ES256' ? 'sign1' : 'mac0');
    expect(token.alg).toBe(akm === 'ES256' ? 'ES256' : 'HS256');
    expect(token.kid && Buffer.from(token.kid).toString('hex')).toBe(store.identity.ueid);
    expectProfileClaims(token.claims, store.ueid(), nonce, ev.cnfPrivateJwk);
    expect(verifyEatCwt(token, store.endorsementAkm())).toBe(true);
    // a different device's key does not verify it
    expect(verifyEatCwt(token, device(akm).endorsementAkm())).toBe(false);

    // independent check: RFC 9052 Sig_structure / MAC_structure over the token's parts
    const empty = new Uint8Array(0);
    if (akm === 'ES256') {
      const tbs = cborEncode(['Signature1', token.protected, empty, token.payload]);
      const pub = createPublicKey({ key: store.endorsementAkm(), format: 'jwk' });
      expect(
        cryptoVerify('sha256', tbs, { key: pub, dsaEncoding: 'ieee-p1363' }, token.signature),
      ).toBe(true);
    } else {
      const tbm = cborEncode(['MAC0', token.protected, empty, token.payload]);
      const secret = Buffer.from(store.endorsementAkm().k!, 'base64url');
      const tag = createHmac('sha256', secret).update(tbm).digest();
      expect(Buffer.from(token.signature).equals(tag)).toBe(true);
    }
  });

  test('JWT: decodes, carries the claims, verifies with the AKM and with jose jwtVerify', async () => {
    const store = device(akm);
    const nonce = new Uint8Array(randomBytes(16));
    const ev = await buildEvidence(store, store.identity, nonce, 'jwt', { now: () => NOW });
    expect(ev.contentType).toBe('application/eat+jwt');
    expect(typeof ev.body).toBe('string');
    const parsed = parseEatJwt(ev.body as string);
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.alg).toBe(akm === 'ES256' ? 'ES256' : 'HS256');
    expect(parsed.value.kid).toBe(store.identity.ueid);
    expectProfileClaims(parsed.value.claims, store.ueid(), nonce, ev.cnfPrivateJwk);
    expect(await verifyEatJwt(parsed.value, store.endorsementAkm())).toBe(true);
    expect(await verifyEatJwt(parsed.value, device(akm).endorsementAkm())).toBe(false);

    const alg = akm === 'ES256' ? 'ES256' : 'HS256';
    const key = await importJWK(store.endorsementAkm(), alg);
    const { payload, protectedHeader } = await jwtVerify(ev.body as string, key, {
      algorithms: [alg],
      typ: 'eat+jwt',
      currentDate: new Date(NOW),
    });
    expect(protectedHeader.alg).toBe(alg);
    expect(payload.eat_nonce).toBe(Buffer.from(nonce).toString('base64url'));
    expect(payload.ueid).toBe(Buffer.from(store.ueid()).toString('base64url'));
    expect(payload.intuse).toBe(3);
    expect(payload.cnf).toEqual({ jwk: expect.objectContaining({ x: ev.cnfPrivateJwk.x }) });
  });
});

test('each Evidence has a fresh cnf key pair, and the private half matches the public one', async () => {
  const store = device('ES256');
  const nonce = new Uint8Array(randomBytes(32));
  const seen = new Set<string>();
  for (const form of ['cwt', 'jwt', 'cwt', 'jwt'] as const) {
    const ev = await buildEvidence(store, store.identity, nonce, form);
    expect(ev.cnfPrivateJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(typeof ev.cnfPrivateJwk.d).toBe('string');
    expect(ev.cnfPublicJwk).not.toHaveProperty('d');
    expect(ev.cnfPublicJwk.x).toBe(ev.cnfPrivateJwk.x);
    seen.add(ev.cnfPublicJwk.x!);
    // the AKM is never the cnf key
    expect(ev.cnfPublicJwk.x).not.toBe(store.endorsementAkm().x);
  }
  expect(seen.size).toBe(4);
});

test('a nonce outside the profile is refused before signing', async () => {
  const store = device('HMAC');
  await expect(buildEvidence(store, store.identity, new Uint8Array(4), 'cwt')).rejects.toThrow(
    /eat_nonce/,
  );
});

/** A store that can only sign, as a PKCS#11 token or a TPM would: the key stays in a closure. */
function signOnlyStore(ueid: Uint8Array, signatureBytes?: number): { store: KeyStore; pub: JWK } {
  const pair = generateJwkPair('P-256');
  const key = createPrivateKey({ key: pair.privateJwk, format: 'jwk' });
  const store: KeyStore = {
    securityLevel: 'software',
    akmKind: 'ES256',
    ueid: () => ueid.slice(),
    akmPublicJwk: () => pair.publicJwk,
    sign: async (data) => {
      const sig = new Uint8Array(cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
      return signatureBytes === undefined ? sig : sig.slice(0, signatureBytes);
    },
  };
  return { store, pub: pair.publicJwk };
}

test('a key store that only signs (no key to hand out) gives Evidence that verifies', async () => {
  // an EUI-64 UEID this time: type 0x02, then 8 bytes
  const ueid = Uint8Array.from([0x02, 0x0a, 0x1b, 0x2c, 1, 2, 3, 4, 5]);
  const { store, pub } = signOnlyStore(ueid);
  const identity = { swname: 'meter-fw', swversion: '3.0' };
  const nonce = new Uint8Array(randomBytes(32));

  const cwt = await buildEvidence(store, identity, nonce, 'cwt');
  const parsedCwt = parseEatCwt(cwt.body as Uint8Array);
  if (!parsedCwt.ok) throw parsedCwt.error;
  expect(parsedCwt.value.claims.ueid).toEqual(ueid);
  expect(parsedCwt.value.claims.oemid).toBeUndefined();
  expect(verifyEatCwt(parsedCwt.value, pub)).toBe(true);

  const jwt = await buildEvidence(store, identity, nonce, 'jwt');
  const verified = await jwtVerify(jwt.body as string, await importJWK(pub, 'ES256'), {
    algorithms: ['ES256'],
    typ: 'eat+jwt',
  });
  expect(verified.payload.ueid).toBe(Buffer.from(ueid).toString('base64url'));
  expect(verified.protectedHeader.kid).toBe(Buffer.from(ueid).toString('hex'));
});

test('a key store that returns a signature of the wrong length is a clear error', async () => {
  const { store } = signOnlyStore(Uint8Array.from([0x01, ...randomBytes(16)]), 63);
  await expect(
    buildEvidence(store, { swname: 'x', swversion: '1' }, new Uint8Array(16), 'cwt'),
  ).rejects.toThrow(/ES256 signature of 63 bytes, expected 64/);
});
