// Step 2.3: the credential bundle (src/lib/onboarding/credential-bundle.ts) as a compact JWE,
// ECDH-ES+A256KW with A256GCM, to the cnf key the Evidence attested: only the device holding
// that key's private half can read it, so a session id alone yields nothing usable.
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import type { CredentialBundle } from '../../lib/onboarding/credential-bundle.js';

export const BUNDLE_JWE_ALG = 'ECDH-ES+A256KW';
export const BUNDLE_JWE_ENC = 'A256GCM';

export async function encryptBundle(bundle: CredentialBundle, cnf: JWK): Promise<string> {
  const key = await importJWK(
    { kty: cnf.kty!, crv: cnf.crv!, x: cnf.x!, y: cnf.y! },
    BUNDLE_JWE_ALG,
  );
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(bundle)))
    .setProtectedHeader({ alg: BUNDLE_JWE_ALG, enc: BUNDLE_JWE_ENC, cty: 'json' })
    .encrypt(key);
}
