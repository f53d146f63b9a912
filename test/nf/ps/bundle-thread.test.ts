// The PS's bundle thread, from the build as serve runs it: the JWE it makes opens with the cnf
// key's private half (read by jose, an implementation of its own) to the bundle sent, many at
// once stay paired with their answers, a key that is not a P-256 point fails that encryption
// alone with the library's error, a thread that dies fails its encryption and is replaced by
// the next one, and a closed thread refuses work.
import { compactDecrypt, importJWK, type JWK } from 'jose';
import { afterAll, expect, test } from 'vitest';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import type { CredentialBundle } from '../../../src/lib/onboarding/credential-bundle.js';
import type * as BundleThreadModule from '../../../src/nf/ps/bundle-thread.js';

// A worker runs JavaScript, not the TypeScript sources vitest reads: the module under test is the
// build's (`npm test` builds first).
const { BundleThread } = (await import(
  new URL('../../../dist/src/nf/ps/bundle-thread.js', import.meta.url).href
)) as typeof BundleThreadModule;

const thread = new BundleThread();
afterAll(() => thread.close());

const bundle = (i: number): CredentialBundle => ({
  supi: `imsi-00101${String(i).padStart(10, '0')}`,
  k: '000102030405060708090a0b0c0d0e0f',
  opc: 'f0e0d0c0b0a090807060504030201000',
  amf: '8000',
  sqn: '000000000020',
  authMethod: '5G_AKA',
  snpn: { mcc: '001', mnc: '01', nid: '000007ED9D5' },
  suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
  ackToken: `ack-${i}`,
  notAfter: '2027-11-29T00:00:00.000Z',
});

async function open(jwe: string, privateJwk: JWK): Promise<unknown> {
  const { plaintext, protectedHeader } = await compactDecrypt(
    jwe,
    await importJWK(privateJwk, 'ECDH-ES+A256KW'),
  );
  expect(protectedHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'json' });
  return JSON.parse(new TextDecoder().decode(plaintext));
}

test('each JWE opens with its own cnf key to its own bundle, 40 at once', async () => {
  const keys = Array.from({ length: 40 }, () => generateJwkPair('P-256'));
  const jwes = await Promise.all(keys.map((k, i) => thread.encrypt(bundle(i), k.publicJwk)));
  for (const [i, jwe] of jwes.entries()) {
    expect(await open(jwe, keys[i]!.privateJwk)).toEqual(bundle(i));
  }
});

test('a key that is not a P-256 point fails that encryption only, with the library error', async () => {
  const good = generateJwkPair('P-256');
  const bad: JWK = { ...good.publicJwk, y: good.publicJwk.x! };
  const [refused, accepted] = await Promise.allSettled([
    thread.encrypt(bundle(1), bad),
    thread.encrypt(bundle(2), good.publicJwk),
  ]);
  expect(refused).toMatchObject({
    status: 'rejected',
    reason: { name: 'BundleJweError', message: expect.stringMatching(/P-256/) },
  });
  expect(accepted.status).toBe('fulfilled');
});

test('a closed thread refuses work', async () => {
  const closing = new BundleThread();
  const key = generateJwkPair('P-256');
  expect(await closing.encrypt(bundle(3), key.publicJwk)).toMatch(/^[\w-]+(\.[\w-]*){4}$/);
  await closing.close();
  await expect(closing.encrypt(bundle(4), key.publicJwk)).rejects.toThrow(/closed/);
});

test('a thread that dies (out of memory) fails its encryption; the next one runs on a new thread', async () => {
  // A real death, not a simulated one: a bundle far larger than the thread's heap may hold.
  const small = new BundleThread({
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  try {
    const { privateJwk, publicJwk } = generateJwkPair('P-256');
    // 64 strings of 4 MB, which the thread's 16 MB heap cannot take in.
    const padding = Array.from({ length: 64 }, () => 'x'.repeat(4e6));
    const huge = { ...bundle(1), padding } as CredentialBundle;
    await expect(small.encrypt(huge, publicJwk)).rejects.toThrow(/memory/i);
    const jwe = await small.encrypt(bundle(2), publicJwk);
    expect(await open(jwe, privateJwk)).toEqual(bundle(2));
  } finally {
    await small.close();
  }
});
