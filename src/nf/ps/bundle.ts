// Step 2.3: the credential bundle (src/lib/onboarding/credential-bundle.ts) as a compact JWE,
// ECDH-ES+A256KW with A256GCM, to the cnf key the Evidence attested: only the device holding
// that key's private half can read it, so a session id alone yields nothing usable.
import type { JWK } from 'jose';
import { encryptBundleJwe } from '../../lib/onboarding/bundle-jwe.js';
import type { CredentialBundle } from '../../lib/onboarding/credential-bundle.js';

export function encryptBundle(bundle: CredentialBundle, cnf: JWK): string {
  return encryptBundleJwe(new TextEncoder().encode(JSON.stringify(bundle)), cnf, { cty: 'json' });
}
