// The UE's registration over HTTP against a real AMF, AUSF and UDM: 5G AKA and EAP-AKA' for the
// null scheme and ECIES Profiles A and B, IMSI and NAI SUPIs; resynchronisation; the causes of a
// refused registration on either side. The network's checks are the other functions' own tests;
// here the UE's choices are checked, with the messages a misbehaving network would send built
// from vectors (Milenage set 1 of 3gpp.json) and test/reference-milenage.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromHex, toHex, xor } from '../../src/lib/bytes.js';
import { sqnToBytes, sqnToNumber } from '../../src/lib/aka/sqn.js';
import {
  AKA_SUBTYPE,
  akaPrimeChallengeRequest,
  decodeEapAka,
  fromEapPayload,
  toEapPayload,
} from '../../src/lib/eap/index.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import type { AmfClient } from '../../src/nf/amf/client.js';
import { SbiClientError } from '../../src/sbi/client.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';
import { register, RegistrationError } from '../../src/ue/registration.js';
import { loadVectors, type SharedVectors } from '../helpers.js';
import { createTestNetwork, SNN, SNPN, type TestNetwork } from '../nf/amf/test-amf.js';
import { referenceMilenage } from '../reference-milenage.js';

let net: TestNetwork;
const root = mkdtempSync(join(tmpdir(), 'npn-ue-registration-'));
beforeAll(async () => {
  net = await createTestNetwork();
});
afterAll(async () => {
  await net?.close();
  rmSync(root, { recursive: true, force: true });
});

function storeWith(bundle: CredentialBundle): MemoryCredentialStore {
  const store = new MemoryCredentialStore();
  store.save(bundle);
  return store;
}

async function causeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (err) {
    if (err instanceof RegistrationError) return err.cause;
    throw err;
  }
  throw new Error('the registration succeeded');
}

const METHODS = ['5G_AKA', 'EAP_AKA_PRIME'] as const;
const SCHEMES = ['null', 'A', 'B'] as const;
const SUPIS = ['imsi', 'nai'] as const;

describe.each(METHODS)('%s', (method) => {
  describe.each(SUPIS)('%s SUPI', (supi) => {
    test.each(SCHEMES)('SUCI scheme %s: registered, then again on the next SQN', async (scheme) => {
      const bundle = await net.provision({ method, scheme, supi });
      const dir = mkdtempSync(join(root, 'device-'));
      new FileCredentialStore(dir).save(bundle);
      const first = await register({ amf: net.amfUrl, device: dir, broadcast: [SNPN] });
      expect(first).toMatchObject({
        result: 'AUTHENTICATION_SUCCESS',
        supi: bundle.supi,
        snpn: SNPN,
        authMethod: method,
        resyncs: 0,
      });
      expect(first.timings.total).toBeGreaterThan(0);
      const context = net.amf.registrations.securityContext(first.registrationId);
      expect(context).toMatchObject({ supi: bundle.supi, snpn: SNPN });
      // The SQN array was saved, and the network's next vector is above it.
      const second = await register({ amf: net.amfUrl, device: dir, broadcast: [SNPN] });
      expect(second).toMatchObject({ supi: bundle.supi, resyncs: 0 });
    });
  });

  test('a USIM whose SQN is ahead of the network: AUTS, then success', async () => {
    const ahead = toHex(sqnToBytes(0x20 + 32 * 1000));
    const bundle = await net.provision({ method, bundleSqn: ahead });
    const store = storeWith(bundle);
    const result = await register({ amf: net.amfUrl, credentialStore: store, broadcast: [SNPN] });
    expect(result).toMatchObject({ supi: bundle.supi, resyncs: 1 });
    expect(store.loadSqnArray(bundle)!.sqnMs()).toBeGreaterThan(sqnToNumber(fromHex(ahead)));
    // Resynchronised: the next registration needs none.
    expect(
      await register({ amf: net.amfUrl, credentialStore: store, broadcast: [SNPN] }),
    ).toMatchObject({ resyncs: 0 });
  });

  test('a UE with another K than the network: the UE refuses the network (MAC_FAILURE)', async () => {
    const bundle = await net.provision({ method });
    const wrong = { ...bundle, k: randomBytes(16).toString('hex') };
    expect(
      await causeOf(
        register({ amf: net.amfUrl, credentialStore: storeWith(wrong), broadcast: [SNPN] }),
      ),
    ).toBe('MAC_FAILURE');
  });

  test('a deleted subscription no longer authenticates (USER_NOT_FOUND)', async () => {
    const bundle = await net.provision({ method, scheme: 'A' });
    const store = storeWith(bundle);
    await register({ amf: net.amfUrl, credentialStore: store, broadcast: [SNPN] });
    await net.ausf.udmClient.deleteAuthenticationSubscription(bundle.supi);
    const run = register({ amf: net.amfUrl, credentialStore: store, broadcast: [SNPN] });
    await expect(run).rejects.toMatchObject({ cause: 'USER_NOT_FOUND', status: 404 });
  });

  test('rotated credentials: the old ones no longer authenticate, the new ones do', async () => {
    const old = await net.provision({ method, supi: 'nai' });
    const rotated = await net.provision({ method, supi: old.supi });
    expect(
      await causeOf(
        register({ amf: net.amfUrl, credentialStore: storeWith(old), broadcast: [SNPN] }),
      ),
    ).toBe('MAC_FAILURE');
    await register({ amf: net.amfUrl, credentialStore: storeWith(rotated), broadcast: [SNPN] });
  });
});

describe('refusals before authentication', () => {
  test('no broadcast SNPN matches: SNPN_NOT_AVAILABLE, nothing sent', async () => {
    const bundle = await net.provision();
    const other = { ...SNPN, nid: '00000000001' };
    expect(
      await causeOf(
        register({
          amf: 'http://127.0.0.1:9',
          credentialStore: storeWith(bundle),
          broadcast: [other],
        }),
      ),
    ).toBe('SNPN_NOT_AVAILABLE');
    expect(
      await causeOf(
        register({
          amf: net.amfUrl,
          credentialStore: new MemoryCredentialStore(),
          broadcast: [SNPN],
        }),
      ),
    ).toBe('NO_CREDENTIALS');
  });

  test('an SNPN this AMF does not serve: SNPN_NOT_SERVED', async () => {
    const other = { mcc: '999', mnc: '70', nid: '00000000001' };
    const bundle = { ...(await net.provision()), snpn: other };
    const run = register({
      amf: net.amfUrl,
      credentialStore: storeWith(bundle),
      broadcast: [other],
    });
    await expect(run).rejects.toMatchObject({ cause: 'SNPN_NOT_SERVED', status: 403 });
  });

  test("a SUCI with a home network key id the UDM does not hold: the UDM's cause", async () => {
    const bundle = await net.provision({ scheme: 'A' });
    const run = register({
      amf: net.amfUrl,
      credentialStore: storeWith({ ...bundle, suci: { ...bundle.suci, hnKeyId: 250 } }),
      broadcast: [SNPN],
    });
    await expect(run).rejects.toMatchObject({ cause: 'INVALID_HN_PUBLIC_KEY_IDENTIFIER' });
  });

  test('no AMF: AMF_UNREACHABLE', async () => {
    const bundle = await net.provision();
    expect(
      await causeOf(
        register({
          amf: 'http://127.0.0.1:9',
          credentialStore: storeWith(bundle),
          broadcast: [SNPN],
        }),
      ),
    ).toBe('AMF_UNREACHABLE');
  });
});

// A network that misbehaves, scripted: the AMF client is replaced by one answering from here.

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const SQN1 = sqnToNumber(fromHex(set1.SQN));

/** Set 1's credentials as a bundle, with the SQN one SEQ below the vector's. */
function set1Bundle(method: '5G_AKA' | 'EAP_AKA_PRIME'): CredentialBundle {
  return {
    supi: 'imsi-001010123456789',
    k: set1.K,
    opc: set1.OPc,
    amf: '8000',
    sqn: toHex(sqnToBytes(SQN1 - 32)),
    authMethod: method,
    snpn: { ...SNPN },
    suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
    ackToken: randomBytes(32).toString('base64url'),
    notAfter: '2099-01-01T00:00:00Z',
  };
}

/** AUTN of set 1 with another AMF field, MAC-A and AK from the reference Milenage. */
function autnWithAmf(amf: string): Uint8Array {
  const ref = referenceMilenage(set1.K, set1.OPc, set1.RAND, set1.SQN, amf);
  return Uint8Array.from([
    ...xor(fromHex(set1.SQN), fromHex(ref.f5)),
    ...fromHex(amf),
    ...fromHex(ref.f1),
  ]);
}
const AUTN_SET1 = fromHex(vectors['5g_aka'].plmn.AUTN);

/** An AMF client that starts with `first` and records what the UE sends. */
function scriptedAmf(first: Record<string, string>) {
  const sent: Uint8Array[] = [];
  const client = {
    async register() {
      return { id: 'r1', ...first };
    },
    async eapSession(_id: string, eapPayload: string) {
      sent.push(fromEapPayload(eapPayload)!);
      throw new SbiClientError('rejected', 403, {
        title: 'Forbidden',
        status: 403,
        cause: 'AUTHENTICATION_REJECTED',
      });
    },
    async confirm5gAka() {
      throw new Error('the UE must not answer');
    },
  };
  return { client: client as unknown as AmfClient, sent };
}

function eapChallenge(networkName: string, kAut: Uint8Array, autn = AUTN_SET1, kdfs?: number[]) {
  return toEapPayload(
    akaPrimeChallengeRequest({
      identifier: 7,
      rand: fromHex(set1.RAND),
      autn,
      networkName,
      kAut,
      ...(kdfs ? { kdfs } : {}),
    }),
  );
}

describe("the UE authenticates the network (EAP-AKA')", () => {
  const subtypeOf = (bytes: Uint8Array) => {
    const m = decodeEapAka(bytes);
    if (!m.ok) throw new Error(m.detail);
    return m.value;
  };

  test("AT_KDF_INPUT other than the selected SNPN's name: Authentication-Reject", async () => {
    const other = SNN.replace(/:[0-9A-F]+$/, ':00000000001');
    const { client, sent } = scriptedAmf({
      authMethod: 'EAP_AKA_PRIME',
      eapPayload: eapChallenge(other, randomBytes(32)),
    });
    const run = register({
      amf: client,
      credentialStore: storeWith(set1Bundle('EAP_AKA_PRIME')),
      broadcast: [SNPN],
    });
    expect(await causeOf(run)).toBe('NETWORK_NAME_MISMATCH');
    expect(subtypeOf(sent[0]!).subtype).toBe(AKA_SUBTYPE.AUTHENTICATION_REJECT);
  });

  test('a server AT_MAC that does not verify: Client-Error (EAP_MAC_INVALID)', async () => {
    const { client, sent } = scriptedAmf({
      authMethod: 'EAP_AKA_PRIME',
      eapPayload: eapChallenge(SNN, randomBytes(32)),
    });
    const run = register({
      amf: client,
      credentialStore: storeWith(set1Bundle('EAP_AKA_PRIME')),
      broadcast: [SNPN],
    });
    expect(await causeOf(run)).toBe('EAP_MAC_INVALID');
    expect(subtypeOf(sent[0]!).subtype).toBe(AKA_SUBTYPE.CLIENT_ERROR);
  });

  test('AUTN without the AMF separation bit: Authentication-Reject', async () => {
    const { client, sent } = scriptedAmf({
      authMethod: 'EAP_AKA_PRIME',
      eapPayload: eapChallenge(SNN, randomBytes(32), autnWithAmf('0000')),
    });
    const run = register({
      amf: client,
      credentialStore: storeWith(set1Bundle('EAP_AKA_PRIME')),
      broadcast: [SNPN],
    });
    expect(await causeOf(run)).toBe('AMF_SEPARATION_BIT');
    expect(subtypeOf(sent[0]!).subtype).toBe(AKA_SUBTYPE.AUTHENTICATION_REJECT);
  });

  test('KDF 1 offered second: the peer asks for it (RFC 9048 3.2)', async () => {
    const { client, sent } = scriptedAmf({
      authMethod: 'EAP_AKA_PRIME',
      eapPayload: eapChallenge(SNN, randomBytes(32), AUTN_SET1, [2, 1]),
    });
    await causeOf(
      register({
        amf: client,
        credentialStore: storeWith(set1Bundle('EAP_AKA_PRIME')),
        broadcast: [SNPN],
      }),
    );
    const reply = subtypeOf(sent[0]!);
    expect(reply.subtype).toBe(AKA_SUBTYPE.CHALLENGE);
    expect(reply.attributes.kdf).toEqual([1]);
    expect(reply.attributes.res).toBeUndefined();
  });
});

describe('the UE authenticates the network (5G AKA)', () => {
  test('AUTN without the AMF separation bit: refused before RES* is sent', async () => {
    const { client } = scriptedAmf({
      authMethod: '5G_AKA',
      rand: set1.RAND,
      autn: toHex(autnWithAmf('0000')),
      abba: '0000',
    });
    const store = storeWith(set1Bundle('5G_AKA'));
    expect(
      await causeOf(register({ amf: client, credentialStore: store, broadcast: [SNPN] })),
    ).toBe('AMF_SEPARATION_BIT');
    // The vector's own AUTN (AMF b9b9) with another K: MAC failure.
    const { client: genuine } = scriptedAmf({
      authMethod: '5G_AKA',
      rand: set1.RAND,
      autn: toHex(AUTN_SET1),
      abba: '0000',
    });
    const wrongK = storeWith({ ...set1Bundle('5G_AKA'), k: '00'.repeat(16) });
    expect(
      await causeOf(register({ amf: genuine, credentialStore: wrongK, broadcast: [SNPN] })),
    ).toBe('MAC_FAILURE');
  });
});
