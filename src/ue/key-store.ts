// The device's attestation key material (AKM) behind one interface, whatever holds it: a software
// file today (software-key-store.ts), a PKCS#11 token or a TPM later. The store signs (or MACs)
// what the Evidence builder hands it; the private key or secret never leaves it, so a hardware
// store can implement the same interface.
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
  /** ES256: the public AKM (an EC P-256 JWK); HMAC: undefined, a secret has no public part */
  akmPublicJwk(): JWK | undefined;
  /**
   * The signature or tag over `data`, made inside the store: ES256 (ECDSA P-256 over SHA-256,
   * the 64-byte r || s that COSE and JWS carry) or HMAC-SHA-256 (32 bytes). `data` is the
   * COSE Sig_structure / MAC_structure or the JWS signing input.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The length of what sign() returns for each kind (RFC 9053 clauses 2.1 and 3.1, RFC 7518). */
export const SIGNATURE_BYTES: Record<AkmKind, number> = { ES256: 64, HMAC: 32 };
