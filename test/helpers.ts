// Shared test helpers: vectors are read from test/vectors (copied from ../shared, so the
// project stands alone) and values are compared as lower-case hex for readable diffs.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { toHex } from '../src/lib/bytes.js';
import { generateJwkPair } from '../src/lib/key-pairs.js';
import { SbiClientError } from '../src/sbi/client.js';

export function loadVectors<T>(name: string): T {
  const path = fileURLToPath(new URL(`./vectors/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

export interface MilenageVector {
  set: number;
  K: string;
  RAND: string;
  SQN: string;
  AMF: string;
  OP: string;
  OPc: string;
  f1: string;
  f1star: string;
  f2_RES: string;
  f3_CK: string;
  f4_IK: string;
  f5_AK: string;
  f5star: string;
}

export interface EapAkaPrimeVector {
  identity: string;
  networkName: string;
  RAND: string;
  AUTN: string;
  IK: string;
  CK: string;
  RES: string;
  CKprime: string;
  IKprime: string;
  K_encr: string;
  K_aut: string;
  K_re: string;
  MSK: string;
  EMSK: string;
}

export interface SharedVectors {
  milenage: MilenageVector[];
  eap_aka_prime: { rfc5448_case1: EapAkaPrimeVector };
  '5g_aka': {
    inputs: string;
    plmn: {
      snn: string;
      AUTN: string;
      XRESstar: string;
      HXRESstar: string;
      KAUSF: string;
      KSEAF: string;
      KAMF: string;
    };
  };
}

/** An RSA key pair as JWKs, for keys the profile refuses (exported from DER: see src/lib/key-pairs.ts). */
export function rsaJwkPair(bits: number): { priv: JWK; pub: JWK } {
  const der = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  const privateKey = createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' });
  return {
    priv: privateKey.export({ format: 'jwk' }) as JWK,
    pub: createPublicKey(privateKey).export({ format: 'jwk' }) as JWK,
  };
}

/** A fresh key pair as JWKs: EC P-256 (ES256) or Ed25519 (EdDSA). */
export function jwkKeyPair(type: 'ec' | 'ed25519'): { priv: JWK; pub: JWK } {
  const pair = generateJwkPair(type === 'ec' ? 'P-256' : 'Ed25519');
  return { priv: pair.privateJwk, pub: pair.publicJwk };
}

/** mulberry32: a small seeded generator in [0, 1), so a fuzz failure can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The SbiClientError a client call rejects with; fails the test if it resolves or fails otherwise. */
export async function sbiRefusal(call: Promise<unknown>): Promise<SbiClientError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof SbiClientError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
