// What the PS's tests share that needs no running network: the operator's constants, the
// configuration the tests start from, an OPc computed with no code from src/, and simulated
// devices (keys the tests generate) with the Evidence they make.
import { createCipheriv, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import { toHex } from '../../../src/lib/bytes.js';
import { EAT_PROFILE, INTUSE, type EatClaims } from '../../../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../../../src/lib/rats/eat-cwt.js';
import { encodeEatJwt } from '../../../src/lib/rats/eat-jwt.js';
import {
  defaultConfigYaml,
  parseConfig,
  type ProvisioningConfig,
} from '../../../src/nf/ps/config.js';

export const ADMIN_TOKEN = 'ps-test-admin-token-0123456789';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** OP of TS 35.207 test set 1: the OPc helper below is checked against that set's OPc. */
export const OP = Uint8Array.from(Buffer.from('cdc202d5123e20f62b6d676ac72cb318', 'hex'));

/** OPc = AES-128_K(OP) xor OP (TS 35.206 4.1), computed here with no code from src/. */
export function referenceOpc(kHex: string, opHex: string): string {
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(kHex, 'hex'), null);
  cipher.setAutoPadding(false);
  const e = Buffer.concat([cipher.update(Buffer.from(opHex, 'hex')), cipher.final()]);
  return Buffer.from(e.map((b, i) => b ^ Buffer.from(opHex, 'hex')[i]!)).toString('hex');
}

/** The default configuration with fast retries, changed as a test needs. */
export function testConfig(change: (c: ProvisioningConfig) => void = () => {}): ProvisioningConfig {
  const config = parseConfig(defaultConfigYaml());
  config.retry = { maxAttempts: 4, firstRetryMs: 20, maxRetryMs: 100, leaseMs: 30_000 };
  change(config);
  return config;
}

// ---- devices (the manufacturer's side) ----

export type AkmKind = 'ES256' | 'EdDSA' | 'HMAC';

export interface TestDevice {
  ueid: Uint8Array;
  ueidHex: string;
  /** what signs (or MACs) the Evidence */
  signingKey: JWK;
  /** what the DCS is given */
  endorsedAkm: JWK;
}

export function makeDevice(kind: AkmKind = 'ES256'): TestDevice {
  const ueid = Uint8Array.from([0x01, ...randomBytes(16)]);
  if (kind === 'HMAC') {
    const k = randomBytes(32).toString('base64url');
    return {
      ueid,
      ueidHex: toHex(ueid),
      signingKey: { kty: 'oct', k },
      endorsedAkm: { kty: 'oct', k },
    };
  }
  const pair = generateJwkPair(kind === 'ES256' ? 'P-256' : 'Ed25519');
  return { ueid, ueidHex: toHex(ueid), signingKey: pair.privateJwk, endorsedAkm: pair.publicJwk };
}

export const OEMID = 'a1b2c3';
export const HWMODEL = '0102';

export type EvidenceForm = 'cwt' | 'jwt';

export interface Evidence {
  contentType: string;
  body: Buffer;
}

/** Evidence for a nonce, with a fresh cnf key pair (returned) unless one is given. */
export async function makeEvidence(
  device: TestDevice,
  nonce: Uint8Array,
  form: EvidenceForm,
  options: {
    cnf?: { publicJwk: JWK; privateJwk: JWK };
    claims?: Partial<EatClaims>;
    signingKey?: JWK;
  } = {},
): Promise<{ evidence: Evidence; cnf: { publicJwk: JWK; privateJwk: JWK } }> {
  const cnf = options.cnf ?? generateJwkPair('P-256');
  const claims: EatClaims = {
    nonce,
    ueid: device.ueid,
    cnf: cnf.publicJwk,
    iat: Math.floor(Date.now() / 1000),
    oemid: Buffer.from(OEMID, 'hex'),
    hwmodel: Buffer.from(HWMODEL, 'hex'),
    swname: 'meter-fw',
    swversion: { version: '1.4.2' },
    oemboot: true,
    dbgstat: 3,
    intuse: INTUSE.provisioning,
    eatProfile: EAT_PROFILE,
    ...options.claims,
  };
  const key = options.signingKey ?? device.signingKey;
  const evidence =
    form === 'cwt'
      ? {
          contentType: 'application/eat+cwt',
          body: Buffer.from(encodeEatCwt(claims, { key, tag61: true })),
        }
      : {
          contentType: 'application/eat+jwt',
          body: Buffer.from(await encodeEatJwt(claims, { key })),
        };
  return { evidence, cnf };
}
