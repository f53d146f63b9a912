// Fresh key pairs as JWKs. Always generated with JWK output encoding, never as
// `generateKeyPairSync(...).privateKey.export({ format: 'jwk' })`: on Node.js 20 that export can
// deadlock the process for good when a garbage collection runs inside it and finalises the key
// generation job that still shares the key's mutex (seen here: bench/dcs hung in
// node::crypto::KeyGenJob<EcKeyGenTraits>::~KeyGenJob under ExportJWKEcKey).
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';

export type KeyPairKind = 'P-256' | 'P-384' | 'Ed25519';

export interface JwkPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

export function generateJwkPair(kind: KeyPairKind = 'P-256'): JwkPair {
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
