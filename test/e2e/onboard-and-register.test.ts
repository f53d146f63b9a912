// Steps 1-3 end to end, with every network function in this process (test/e2e/full-network.ts)
// on SQLite and on PostgreSQL: a device is made and endorsed, attests, receives the credentials
// the PS generated, selects its SNPN and registers at the AMF with them. Beyond "the AMF said
// AUTHENTICATION_SUCCESS", each registration is checked against what a UE holding the bundle
// derives on its own (test/e2e/reference-keys.ts, node:crypto only): the KAMF the AMF keeps, the
// SQN of the accepted challenge, and the shape of the SUCI the UE sent.
//
// Covered: all 12 combinations of authentication method (5G AKA, EAP-AKA') x SUCI protection
// scheme (Profile A, Profile B, null) x SUPI kind (IMSI, NAI), each registering twice; then per
// method: a USIM whose SQN is ahead (AUTS, resynchronisation), a wrong K (the UE refuses the
// network) and a wrong RES* / AT_RES (the network refuses the UE), revoked and rotated
// credentials; and the causes a UE gets for an SNPN or a home network key the network lacks.
// test/e2e/steps-1-3.test.ts runs the same journey once more as `serve` starts it from a data
// directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { servingNetworkName } from '../../src/lib/aka/serving-network-name.js';
import { UsimSqnArray } from '../../src/lib/aka/sqn.js';
import {
  AKA_SUBTYPE,
  akaNotificationResponse,
  akaPrimeChallengeResponse,
  decodeEapAka,
  fromEapPayload,
  toEapPayload,
} from '../../src/lib/eap/index.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { AmfClient, eapFailureOf } from '../../src/nf/amf/client.js';
import type { PolicyRule } from '../../src/nf/ps/config.js';
import { SbiClientError } from '../../src/sbi/client.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';
import { register, RegistrationError, type RegistrationResult } from '../../src/ue/registration.js';
import { computeSuci } from '../../src/ue/suci.js';
import { testConfig } from '../nf/ps/devices.js';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../store/pg-test-url.js';
import { startFullNetwork, WatchedAmfClient, type FullNetwork } from './full-network.js';
import { akaPrimeChallengeOf, kamfHere, sqnOf } from './reference-keys.js';

type Method = '5G_AKA' | 'EAP_AKA_PRIME';
type Scheme = 'A' | 'B' | 'null';
type SupiKind = 'imsi' | 'nai';
interface Combination {
  authMethod: Method;
  scheme: Scheme;
  supi: SupiKind;
}

const METHODS: Method[] = ['5G_AKA', 'EAP_AKA_PRIME'];
const COMBINATIONS: Combination[] = METHODS.flatMap((authMethod) =>
  (['A', 'B', 'null'] as const).flatMap((scheme) =>
    (['imsi', 'nai'] as const).map((supi) => ({ authMethod, scheme, supi })),
  ),
);
const REALM = 'e2e.snpn.example';

/** The device class whose policy rule asks for this combination. */
const classOf = (c: Combination) =>
  `e2e-${c.authMethod === '5G_AKA' ? '5g' : 'eap'}-${c.scheme}-${c.supi}`.toLowerCase();

/** The default configuration, with an NAI realm and one policy rule per device class. */
function e2eConfig() {
  return testConfig((config) => {
    config.snpns.demo!.naiRealm = REALM;
    config.policy = COMBINATIONS.map((c): PolicyRule => ({
      name: classOf(c),
      match: { deviceClass: [classOf(c)] },
      snpn: 'demo',
      holder: 'udm',
      authMethod: c.authMethod,
      supi: c.supi,
      suciScheme: c.scheme,
      accept: ['affirming'],
    }));
  });
}

/** TS 33.501 Annex C.1: protection scheme identifiers. */
const SCHEME_ID: Record<Scheme, number> = { null: 0, A: 1, B: 2 };
/** Annex C.3.2 / C.3.3: the ephemeral public key, raw X25519 or compressed P-256, as hex. */
const ECC_KEY: Record<'A' | 'B', string> = { A: '[0-9a-f]{64}', B: '0[23][0-9a-f]{64}' };
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The SUCI a UE with this bundle sends (TS 23.003 2.2B and 28.7.3, TS 29.503 SUCI form): an
 * IMSI's in the suci-0-MCC-MNC form, an NAI's in the type1 NAI form; the null scheme carries the
 * MSIN or username in clear, Profiles A and B an ephemeral key, the ciphertext (an MSIN of 10
 * digits in 5 BCD bytes) and an 8-byte MAC.
 */
function expectedSuci(bundle: CredentialBundle): RegExp {
  const { scheme, hnKeyId, routingIndicator: ri } = bundle.suci;
  const id = SCHEME_ID[scheme];
  if (bundle.supi.startsWith('imsi-')) {
    const { mcc, mnc } = bundle.snpn;
    const msin = bundle.supi.slice(5 + mcc.length + mnc.length);
    const out = scheme === 'null' ? `0-${msin}` : `${hnKeyId}-${ECC_KEY[scheme]}[0-9a-f]{26}`;
    return new RegExp(`^suci-0-${mcc}-${mnc}-${ri}-${id}-${out}$`);
  }
  const [username, realm] = bundle.supi.slice(4).split('@') as [string, string];
  const out =
    scheme === 'null'
      ? `userid${escape(username)}`
      : `hnkey${hnKeyId}\\.ecckey${ECC_KEY[scheme]}\\.cip[0-9a-f]{${2 * username.length}}\\.mac[0-9a-f]{16}`;
  return new RegExp(`^type1\\.rid${ri}\\.schid${id}\\.${out}@${escape(realm)}$`);
}

/** RAND and AUTN of the last challenge the network sent (the one the UE answered). */
function lastChallenge(amf: WatchedAmfClient): { rand: string; autn: string; count: number } {
  const all = [...amf.challenges, ...amf.eapPayloads.flatMap((p) => akaPrimeChallengeOf(p) ?? [])];
  const last = all.at(-1);
  if (last === undefined) throw new Error('the network sent no challenge');
  return { ...last, count: all.length };
}

/** The network's refusal of a registration: the cause the UE ends with. */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (err) {
    if (err instanceof RegistrationError) return err.cause;
    if (err instanceof SbiClientError) return `${err.status} ${err.problemCause}`;
    throw err;
  }
  return 'AUTHENTICATION_SUCCESS';
}

const root = mkdtempSync(join(tmpdir(), 'npn-e2e-stores-'));
const schemaPrefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await dropSchemas(schemaPrefix);
});

describe.each(storeBackends(root, schemaPrefix))('the whole network on %s', (_, store) => {
  let net: FullNetwork;
  let snn: string;

  beforeAll(async () => {
    net = await startFullNetwork(store, e2eConfig());
    snn = servingNetworkName(net.snpns[0]!);
  }, 60_000);
  afterAll(async () => {
    await net?.close();
  });

  /** A device of the combination's class, onboarded: its directory, UEID and bundle. */
  async function onboarded(c: Combination) {
    const device = await net.newDevice(classOf(c));
    const bundle = await net.onboardDevice(device.dir);
    return { ...device, bundle };
  }

  /**
   * Registers with what `credentialStore` holds and checks the outcome against the bundle: the
   * SUPI, the SUCI's shape, KAMF at the AMF as the UE derives it, the UDM's auth event. The SQN
   * of the accepted challenge is returned.
   */
  async function registerAndCheck(
    bundle: CredentialBundle,
    credentialStore: FileCredentialStore | MemoryCredentialStore,
  ): Promise<{ result: RegistrationResult; sqn: number }> {
    const amf = new WatchedAmfClient({ baseUrl: net.urls.amf });
    const result = await register({ amf, credentialStore, broadcast: net.snpns });
    expect(result).toMatchObject({
      result: 'AUTHENTICATION_SUCCESS',
      supi: bundle.supi,
      authMethod: bundle.authMethod,
      snpn: bundle.snpn,
    });
    expect(result.suci).toMatch(expectedSuci(bundle));
    const { rand, autn, count } = lastChallenge(amf);
    expect(count).toBe(result.resyncs + 1);
    const context = net.amf.registrations.securityContext(result.registrationId);
    expect(context?.supi).toBe(bundle.supi);
    expect(Buffer.from(context!.kamf).toString('hex')).toBe(
      kamfHere(bundle, bundle.authMethod, snn, rand, autn),
    );
    expect(await net.udm.authEvents.latest(bundle.supi)).toMatchObject({
      success: true,
      authType: bundle.authMethod,
      servingNetworkName: snn,
    });
    return { result, sqn: sqnOf(bundle, rand, autn) };
  }

  test.each(COMBINATIONS.map((c) => [c.authMethod, c.scheme, c.supi.toUpperCase(), c] as const))(
    'onboarding, then %s with a SUCI of scheme %s for an %s SUPI, twice',
    async (_method, _scheme, _supi, c) => {
      const { dir, bundle } = await onboarded(c);
      expect(bundle).toMatchObject({ authMethod: c.authMethod, suci: { scheme: c.scheme } });
      expect(bundle.supi).toMatch(
        c.supi === 'imsi' ? /^imsi-00101\d{10}$/ : new RegExp(`^nai-[^@]+@${escape(REALM)}$`),
      );
      if (c.scheme !== 'null') {
        // The key the UE conceals with is the UDM's (the SIDF holds its private half).
        const { keys } = await net.udm.homeNetworkKeys.list();
        expect(keys).toContainEqual({
          scheme: c.scheme,
          hnKeyId: bundle.suci.hnKeyId,
          hnPublicKey: bundle.suci.hnPublicKey,
        });
      }

      const credentialStore = new FileCredentialStore(dir);
      const first = await registerAndCheck(bundle, credentialStore);
      const second = await registerAndCheck(bundle, credentialStore);
      expect([first.result.resyncs, second.result.resyncs]).toEqual([0, 0]);
      // TS 33.102 C.3.2: each vector's SQN is above the last one (the bundle's is SQN_HE's start).
      expect(first.sqn).toBeGreaterThan(Number.parseInt(bundle.sqn, 16));
      expect(second.sqn).toBeGreaterThan(first.sqn);
      // The USIM kept its SQN array for these credentials.
      expect(credentialStore.loadSqnArray(bundle)?.sqnMs()).toBe(second.sqn);
    },
    30_000,
  );

  test.each(METHODS)(
    '%s: a USIM whose SQN is ahead sends AUTS; the UDM resynchronises and the UE is accepted',
    async (authMethod) => {
      const { dir, bundle } = await onboarded({ authMethod, scheme: 'A', supi: 'imsi' });
      const credentialStore = new FileCredentialStore(dir);
      // SQN_MS far above SQN_HE in every IND slot (as if authenticated many times elsewhere),
      // within the USIM's window Δ.
      const sqnMs = Number.parseInt(bundle.sqn, 16) + 2 ** 20;
      credentialStore.saveSqnArray(bundle, UsimSqnArray.fromSqnMs(sqnMs));

      const resynced = await registerAndCheck(bundle, credentialStore);
      expect(resynced.result.resyncs).toBe(1);
      // C.3.4: the UDM continues above the SQN_MS the AUTS reported.
      expect(resynced.sqn).toBeGreaterThan(sqnMs);
      const next = await registerAndCheck(bundle, credentialStore);
      expect(next.result.resyncs).toBe(0);
      expect(next.sqn).toBeGreaterThan(resynced.sqn);
    },
    30_000,
  );

  test.each(METHODS)(
    '%s: a UE with a wrong K refuses the network (MAC_FAILURE); one that answers anyway is rejected',
    async (authMethod) => {
      const { dir, bundle } = await onboarded({ authMethod, scheme: 'B', supi: 'nai' });
      const wrongK = new MemoryCredentialStore();
      wrongK.save({ ...bundle, k: randomBytes(16).toString('hex') });
      const amf = new WatchedAmfClient({ baseUrl: net.urls.amf });
      expect(await refusal(register({ amf, credentialStore: wrongK, broadcast: net.snpns }))).toBe(
        'MAC_FAILURE',
      );

      // A UE without K can only guess RES* (5G AKA), or AT_RES and K_aut (EAP-AKA').
      const challenge = await amf.register(computeSuci(bundle), bundle.snpn);
      const answered =
        challenge.authMethod === '5G_AKA'
          ? amf.confirm5gAka(challenge.id, randomBytes(16).toString('hex'))
          : guessEapAkaPrime(amf, challenge.id, challenge.eapPayload);
      const err: unknown = await answered.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SbiClientError);
      expect([(err as SbiClientError).status, (err as SbiClientError).problemCause]).toEqual([
        403,
        'AUTHENTICATION_REJECTED',
      ]);
      if (authMethod === 'EAP_AKA_PRIME') {
        // The rejection carries the EAP-Failure (RFC 3748 4.2: code 4) for the peer.
        expect(Buffer.from(eapFailureOf(err)!, 'base64')[0]).toBe(4);
      }
      expect(await net.udm.authEvents.latest(bundle.supi)).toMatchObject({
        success: false,
        authType: authMethod,
      });

      // The genuine UE is not affected.
      await registerAndCheck(bundle, new FileCredentialStore(dir));
    },
    30_000,
  );

  test.each(METHODS)(
    '%s: credentials the operator revoked no longer authenticate (USER_NOT_FOUND)',
    async (authMethod) => {
      const { dir, ueid, bundle } = await onboarded({ authMethod, scheme: 'A', supi: 'nai' });
      const credentialStore = new FileCredentialStore(dir);
      await registerAndCheck(bundle, credentialStore);

      await net.revoke(ueid);
      await net.untilWithdrawn(bundle.supi);
      expect(
        await refusal(register({ amf: net.urls.amf, credentialStore, broadcast: net.snpns })),
      ).toBe('USER_NOT_FOUND');
    },
    30_000,
  );

  test.each(METHODS)(
    '%s: rotated by onboarding again, the old credentials no longer authenticate, the new do',
    async (authMethod) => {
      const { dir, bundle: old } = await onboarded({ authMethod, scheme: 'null', supi: 'imsi' });
      const oldStore = new MemoryCredentialStore();
      oldStore.save(old);
      await registerAndCheck(old, oldStore);

      const rotated = await net.onboardDevice(dir);
      expect(rotated.supi).not.toBe(old.supi);
      expect(rotated.k).not.toBe(old.k);
      await net.untilWithdrawn(old.supi);
      const amf = net.urls.amf;
      expect(
        await refusal(register({ amf, credentialStore: oldStore, broadcast: net.snpns })),
      ).toBe('USER_NOT_FOUND');
      await registerAndCheck(rotated, new FileCredentialStore(dir));
    },
    30_000,
  );

  test('past their notAfter at the network, credentials are refused, also to a UE that still takes them for valid', async () => {
    const { dir, bundle } = await onboarded({ authMethod: '5G_AKA', scheme: 'A', supi: 'imsi' });
    const credentialStore = new FileCredentialStore(dir);
    await registerAndCheck(bundle, credentialStore);
    // The network's clock passes the end the PS set (the bundle's own notAfter is still 30 days
    // ahead, as on a cloned copy or a device whose clock lags).
    await net.udm.store.db
      .updateTable('authentication_subscriptions')
      .set({ not_after: new Date(Date.now() - 1000).toISOString() })
      .where('supi', '=', bundle.supi)
      .execute();
    expect(
      await refusal(register({ amf: net.urls.amf, credentialStore, broadcast: net.snpns })),
    ).toBe('AUTHENTICATION_REJECTED');
  }, 30_000);

  test('a UE is told why: no SNPN of its credentials, an SNPN not served, an unknown or wrong home network key, expired credentials', async () => {
    const { bundle } = await onboarded({ authMethod: '5G_AKA', scheme: 'A', supi: 'imsi' });
    const other = { ...bundle.snpn, nid: '00000000001' };
    const attempt = (b: CredentialBundle, broadcast = net.snpns) => {
      const credentialStore = new MemoryCredentialStore();
      credentialStore.save(b);
      return refusal(register({ amf: net.urls.amf, credentialStore, broadcast }));
    };
    const amf = new AmfClient({ baseUrl: net.urls.amf });

    expect({
      notBroadcast: await attempt(bundle, [other]),
      notServed: await refusal(amf.register(computeSuci(bundle), other)),
      unknownKeyId: await attempt({ ...bundle, suci: { ...bundle.suci, hnKeyId: 77 } }),
      // Another key under the right id: the SIDF's ECIES MAC does not verify.
      wrongKey: await attempt({
        ...bundle,
        suci: { ...bundle.suci, hnPublicKey: randomBytes(32).toString('hex') },
      }),
      expired: await attempt({ ...bundle, notAfter: new Date(Date.now() - 1000).toISOString() }),
    }).toEqual({
      notBroadcast: 'SNPN_NOT_AVAILABLE',
      notServed: '403 SNPN_NOT_SERVED',
      unknownKeyId: 'INVALID_HN_PUBLIC_KEY_IDENTIFIER',
      wrongKey: 'INVALID_SCHEME_OUTPUT',
      expired: 'CREDENTIALS_EXPIRED',
    });
  }, 30_000);
});

/**
 * An EAP-AKA' peer without K: it answers the AKA'-Challenge with a guessed AT_RES under a guessed
 * K_aut, and acknowledges the failure notification the server may send (RFC 4187 6.3.1) until
 * the network ends the session.
 */
async function guessEapAkaPrime(amf: WatchedAmfClient, id: string, first: string): Promise<void> {
  let payload = first;
  for (let round = 0; round < 4; round++) {
    const decoded = decodeEapAka(fromEapPayload(payload)!);
    if (!decoded.ok) throw new Error(`not an EAP-AKA' request: ${decoded.detail}`);
    const { identifier, subtype, attributes } = decoded.value;
    const response =
      subtype === AKA_SUBTYPE.CHALLENGE
        ? akaPrimeChallengeResponse({
            identifier,
            res: new Uint8Array(randomBytes(8)),
            kAut: new Uint8Array(randomBytes(32)),
          })
        : akaNotificationResponse({ identifier, notification: attributes.notification! });
    payload = (await amf.eapSession(id, toEapPayload(response))).eapPayload;
  }
  throw new Error('the network went on answering a peer without K');
}
