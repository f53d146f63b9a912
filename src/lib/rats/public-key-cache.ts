// Imported public keys, kept for reuse. Importing a JWK (and checking its point) costs more than
// an ES256 verification, and a Verifier sees the same endorsed keys again and again. KeyObjects
// are immutable and the cache key is the exact set of public members, so a hit is the same key.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

const MAX_ENTRIES = 10_000;
const cache = new Map<string, KeyObject>();

/** The KeyObject of an EC or OKP JWK's public part; throws as createPublicKey does. */
export function importPublicJwk(jwk: JWK): KeyObject {
  const { kty, crv, x, y } = jwk;
  const id = `${kty}|${crv}|${x}|${y ?? ''}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const key = createPublicKey({
    key: { kty, crv, x, ...(y === undefined ? {} : { y }) } as JsonWebKey,
    format: 'jwk',
  });
  // Oldest first out: a Map iterates in insertion order.
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}
