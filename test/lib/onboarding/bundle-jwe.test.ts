// The bundle JWE (ECDH-ES+A256KW, A256GCM) against the published vectors of its parts (RFC 7518
// Appendix C for ECDH on P-256 and the Concat KDF, RFC 3394 4.6 for the key wrap), and against
// jose, an independent implementation, in both directions. Then every way a JWE can be wrong.
import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactEncrypt, compactDecrypt, importJWK, type JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import {
  BundleJweError,
  aesKeyUnwrap,
  aesKeyWrap,
  concatKdf,
  decryptBundleJwe,
  encryptBundleJwe,
} from '../../../src/lib/onboarding/bundle-jwe.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/jose-ecdh-es-a256kw.json', import.meta.url), 'utf8'),
) as {
  rfc7518AppendixC: {
    alice: JWK;
    bob: JWK;
    z: number[];
    enc: string;
    keyBits: number;
    apu: string;
    apv: string;
    derivedKey: string;
  };
  rfc3394Section4_6: { kek: string; keyData: string; ciphertext: string };
};

const hex = (h: string) => Buffer.from(h, 'hex');
const b64 = (s: string) => Buffer.from(s, 'base64url');
const point = (jwk: JWK) => Buffer.concat([Buffer.of(4), b64(jwk.x!), b64(jwk.y!)]);
const plaintext = new TextEncoder().encode('{"supi":"imsi-001010000000001","k":"00"}');

describe('the parts, against their RFC vectors', () => {
  const c = vectors.rfc7518AppendixC;

  test('RFC 7518 Appendix C: ECDH on P-256 gives Z, the Concat KDF the derived key', () => {
    const bob = createECDH('prime256v1');
    bob.setPrivateKey(b64(c.bob.d!));
    const z = bob.computeSecret(point(c.alice));
    expect([...z]).toEqual(c.z);
    const derived = concatKdf(z, c.enc, c.keyBits, b64(c.apu), b64(c.apv));
    expect(derived.toString('base64url')).toBe(c.derivedKey);
  });

  test('RFC 3394 4.6: AES Key Wrap of 256 bits with a 256-bit KEK, and back', () => {
    const v = vectors.rfc3394Section4_6;
    expect(aesKeyWrap(hex(v.kek), hex(v.keyData)).toString('hex')).toBe(v.ciphertext);
    expect(aesKeyUnwrap(hex(v.kek), hex(v.ciphertext)).toString('hex')).toBe(v.keyData);
    const tampered = hex(v.ciphertext);
    tampered[5]! ^= 1;
    expect(() => aesKeyUnwrap(hex(v.kek), tampered)).toThrow();
  });
});

describe('interoperability with jose', () => {
  const recipient = generateJwkPair('P-256');

  test('jose opens what this module writes, with the header members asked for', async () => {
    const jwe = encryptBundleJwe(plaintext, recipient.publicJwk, { cty: 'json' });
    const key = await importJWK(recipient.privateJwk, 'ECDH-ES+A256KW');
    const opened = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    expect(Buffer.from(opened.plaintext)).toEqual(Buffer.from(plaintext));
    expect(opened.protectedHeader).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      cty: 'json',
      epk: { kty: 'EC', crv: 'P-256' },
    });
  });

  test('this module opens what jose writes, also with apu and apv', async () => {
    const key = await importJWK(recipient.publicJwk, 'ECDH-ES+A256KW');
    for (const extra of [{}, { apu: b64('QWxpY2U'), apv: b64('Qm9i') }]) {
      const jwe = await new CompactEncrypt(plaintext)
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
        .setKeyManagementParameters(extra)
        .encrypt(key);
      const opened = decryptBundleJwe(jwe, recipient.privateJwk);
      expect(opened.plaintext).toEqual(Buffer.from(plaintext));
    }
  });

  test('each JWE has a fresh ephemeral key, content key and IV', () => {
    const a = encryptBundleJwe(plaintext, recipient.publicJwk).split('.');
    const b = encryptBundleJwe(plaintext, recipient.publicJwk).split('.');
    for (const i of [0, 1, 2, 3]) expect(a[i]).not.toBe(b[i]);
  });
});

describe('what is refused, and why', () => {
  const recipient = generateJwkPair('P-256');
  const reasonOf = (jwe: string, key: JWK = recipient.privateJwk) => {
    try {
      decryptBundleJwe(jwe, key);
    } catch (err) {
      expect(err).toBeInstanceOf(BundleJweError);
      expect((err as Error).message).not.toContain('imsi-');
      return (err as BundleJweError).reason;
    }
    throw new Error('decrypted');
  };
  const withHeader = (jwe: string, change: (h: Record<string, unknown>) => void) => {
    const parts = jwe.split('.');
    const header = JSON.parse(b64(parts[0]!).toString()) as Record<string, unknown>;
    change(header);
    parts[0] = Buffer.from(JSON.stringify(header)).toString('base64url');
    return parts.join('.');
  };

  test('another recipient', () => {
    const jwe = encryptBundleJwe(plaintext, generateJwkPair('P-256').publicJwk);
    expect(reasonOf(jwe)).toBe('DECRYPTION');
  });

  test('each part changed by one bit', () => {
    const parts = encryptBundleJwe(plaintext, recipient.publicJwk).split('.');
    for (const i of [0, 1, 2, 3, 4]) {
      const flipped = [...parts];
      const bytes = b64(flipped[i]!);
      bytes[bytes.length - 1]! ^= 0x01;
      flipped[i] = bytes.toString('base64url');
      expect(['MALFORMED', 'KEY', 'DECRYPTION']).toContain(reasonOf(flipped.join('.')));
    }
  });

  test('other algorithms, unknown or critical header members', () => {
    const jwe = encryptBundleJwe(plaintext, recipient.publicJwk);
    expect(reasonOf(withHeader(jwe, (h) => (h.alg = 'ECDH-ES')))).toBe('ALGORITHM');
    expect(reasonOf(withHeader(jwe, (h) => (h.enc = 'A128GCM')))).toBe('ALGORITHM');
    expect(reasonOf(withHeader(jwe, (h) => (h.zip = 'DEF')))).toBe('MALFORMED');
    expect(reasonOf(withHeader(jwe, (h) => (h.crit = ['exp'])))).toBe('MALFORMED');
  });

  test('an ephemeral key off the curve, of another curve, or missing', () => {
    const jwe = encryptBundleJwe(plaintext, recipient.publicJwk);
    const offCurve = withHeader(jwe, (h) => {
      const epk = h.epk as { y: string };
      const y = b64(epk.y);
      y[31]! ^= 1;
      epk.y = y.toString('base64url');
    });
    expect(reasonOf(offCurve)).toBe('KEY');
    expect(reasonOf(withHeader(jwe, (h) => ((h.epk as JWK).crv = 'P-384')))).toBe('MALFORMED');
    expect(reasonOf(withHeader(jwe, (h) => delete h.epk))).toBe('MALFORMED');
  });

  test('not a compact JWE at all', () => {
    expect(reasonOf('not.a.jwe')).toBe('MALFORMED');
    expect(reasonOf('a.b.c.d.e')).toBe('MALFORMED');
    expect(reasonOf('e30.....')).toBe('MALFORMED');
  });

  test('a recipient key that is not a private P-256 key', () => {
    const jwe = encryptBundleJwe(plaintext, recipient.publicJwk);
    expect(reasonOf(jwe, recipient.publicJwk)).toBe('KEY');
    expect(() => encryptBundleJwe(plaintext, generateJwkPair('Ed25519').publicJwk)).toThrow(
      BundleJweError,
    );
  });
});
