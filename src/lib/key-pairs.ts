// Fresh key pairs as JWKs. Always generated with JWK output encoding, never as
// `generateKeyPairSync(...).privateKey.export({ format: 'jwk' })`: on Node.js 20 that export can
// deadlock the process for good when a garbage collection runs inside it and finalises the key
// generation job that still shares the key's mutex (seen here: bench/dcs hung in
// node::crypto::KeyGenJob<EcKeyGenTraits>::~KeyGenJob under ExportJWKEcKey).
import { createECDH, generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';

export type KeyPairKind = 'P-256' | 'P-384' | 'Ed25519';

export interface JwkPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

export function generateJwkPair(kind: KeyPairKind = 'P-256'): JwkPair {
  if (kind === 'P-256') return p256JwkPair();
  const encoding = {
    publicKeyEncoding: { format: 'jwk' },
    privateKeyEncoding: { format: 'jwk' },
  } as const;
  const pair =
    kind === 'Ed25519'
      ? generateKeyPairSync('ed25519', encoding)
      : generateKeyPairSync('ec', { namedCurve: kind, ...encoding });
  return { privateJwk: pair.privateKey as JWK, publicJwk: pair.publicKey as JWK };
}

/**
 * P-256 through node:crypto's ECDH, which hands out the raw scalar and point: no key object is
 * made and exported, at well under half the CPU (a device makes one per onboarding, its cnf key).
 */
function p256JwkPair(): JwkPair {
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys();
  const publicJwk: JWK = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  // The scalar comes without its leading zero octets; JWK's d is always 32 (RFC 7518 6.2.2.1).
  const scalar = ecdh.getPrivateKey();
  const d = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
  const privateJwk: JWK = { ...publicJwk, d: d.toString('base64url') };
  d.fill(0);
  scalar.fill(0);
  return { privateJwk, publicJwk };
}
