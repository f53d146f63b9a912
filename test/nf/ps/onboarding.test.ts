// One onboarding end to end over the PS's API, with the real DCS and UDM: both Evidence forms and
// every AKM kind reach `ready`, the bundle opens with the attested key only, carries credentials
// the UDM holds too, and the ack makes the session `delivered`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadVectors, type SharedVectors } from '../../helpers.js';
import {
  OP,
  ack,
  endorse,
  makeDevice,
  onboardToReady,
  referenceOpc,
  startNetwork,
  status,
  type AkmKind,
  type EvidenceForm,
  type TestNetwork,
} from './test-network.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-ps-onboarding-'));
let network: TestNetwork;

beforeAll(async () => {
  network = await startNetwork({ kind: 'sqlite', dataDir: dir });
});
afterAll(async () => {
  await network.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the OPc helper of these tests matches TS 35.207 test set 1', () => {
  const set1 = loadVectors<SharedVectors>('3gpp.json').milenage[0]!;
  expect(referenceOpc(set1.K, set1.OP)).toBe(set1.OPc.toLowerCase());
  expect(Buffer.from(OP).toString('hex')).toBe(set1.OP.toLowerCase());
});

describe.each<[EvidenceForm, AkmKind]>([
  ['cwt', 'ES256'],
  ['jwt', 'ES256'],
  ['cwt', 'EdDSA'],
  ['jwt', 'EdDSA'],
  ['cwt', 'HMAC'],
  ['jwt', 'HMAC'],
])('Evidence as %s signed with %s', (form, kind) => {
  test('ready, bundle checked, UDM holds the same, ack -> delivered', async () => {
    const device = makeDevice(kind);
    await endorse(network, device);
    const { id, bundle } = await onboardToReady(network.ps, device, form);

    expect(bundle.supi).toMatch(/^imsi-00101\d{10}$/);
    expect(bundle.k).toMatch(/^[0-9a-f]{32}$/);
    expect(bundle.opc).toBe(referenceOpc(bundle.k, Buffer.from(OP).toString('hex')));
    expect(bundle.amf).toBe('8000');
    expect(bundle.sqn).toBe('000000000020');
    expect(bundle.authMethod).toBe('5G_AKA');
    expect(bundle.snpn).toEqual({ mcc: '001', mnc: '01', nid: '000007ED9D5' });
    expect(bundle.suci.scheme).toBe('A');
    expect(bundle.suci.routingIndicator).toBe('0');
    expect(bundle.suci.hnPublicKey).toMatch(/^[0-9a-f]{64}$/);
    const days = (Date.parse(bundle.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const keys = await network.udmClient.homeNetworkKeys();
    expect(keys.keys).toContainEqual(
      expect.objectContaining({
        scheme: 'A',
        hnKeyId: bundle.suci.hnKeyId,
        hnPublicKey: bundle.suci.hnPublicKey,
      }),
    );
    expect(await network.udmCredentials(bundle.supi)).toEqual({
      authenticationMethod: '5G_AKA',
      k: bundle.k,
      opc: bundle.opc,
      amf: bundle.amf,
      sqn: bundle.sqn,
      // The UDM authenticates with them until the instant the device was told.
      notAfter: bundle.notAfter,
    });

    const r = await ack(network.ps, id, bundle.ackToken);
    expect(r.statusCode).toBe(204);
    expect(await status(network.ps, id)).toEqual({ id, status: 'delivered' });
    // Acknowledging again changes nothing.
    expect((await ack(network.ps, id, bundle.ackToken)).statusCode).toBe(204);
  });
});
