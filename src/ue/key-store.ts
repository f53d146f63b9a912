// The device's attestation key material (AKM) behind one interface, whatever holds it: a software
// file today (software-key-store.ts), a PKCS#11 token or a TPM later. The Evidence builder asks the
// store for the key to sign with; nothing else of the device reads the private material.
import type { JWK } from 'jose';

/** Where the AKM lives (DESIGN.md: software file, PKCS#11 token, TPM). */
export type SecurityLevel = 'software';

/** ES256: an EC P-256 key pair (COSE_Sign1 / JWS ES256); HMAC: a 32-byte secret (COSE_Mac0 / HS256). */
export type AkmKind = 'ES256' | 'HMAC';

export interface KeyStore {
  readonly securityLevel: SecurityLevel;
  readonly akmKind: AkmKind;
  /** the UEID (type byte then value) that names this device and its AKM */
  ueid(): Uint8Array;
  /**
   * What the DCS needs to appraise this device's Evidence: the public AKM JWK (ES256), or for an
   * HMAC AKM the shared secret itself (an `oct` JWK), which only a manufacturer's tool may read.
   */
  endorsementAkm(): JWK;
  /**
   * The key the rats encoders (encodeEatCwt / encodeEatJwt) sign or MAC the Evidence with: the
   * private EC JWK or the oct JWK. A copy; a hardware store would sign instead of handing it out.
   */
  signingKey(): JWK;
}
