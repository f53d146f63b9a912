// The provisioning policy picks the SNPN, SUPI kind and SUCI scheme per device class; credentials
// pre-configured per UEID (imported one by one or in bulk) are delivered as imported, once; the
// operator API needs the admin token and never returns K or OPc.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PolicyRule } from '../../../src/nf/ps/config.js';
import { decide } from '../../../src/nf/ps/provisioning-policy.js';
import {
  ADMIN_TOKEN,
  admin,
  challenge,
  endorse,
  makeDevice,
  makeEvidence,
  onboard,
  startNetwork,
  submit,
  testConfig,
  type TestNetwork,
} from './test-network.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-ps-policy-'));
let network: TestNetwork;

beforeAll(async () => {
  network = await startNetwork(
    { kind: 'sqlite', dataDir: dir },
    {
      config: testConfig((c) => {
        c.snpns.factory = {
          name: 'factory',
          mcc: '999',
          mnc: '70',
          nid: '00000000ABC',
          routingIndicator: '17',
          naiRealm: 'factory.snpn.example',
        };
        const base = c.policy[0]!;
        c.policy = [
          {
            ...base,
            name: 'robots',
            match: { deviceClass: ['robot-v1'] },
            snpn: 'factory',
            supi: 'nai',
            suciScheme: 'B',
            authMethod: 'EAP_AKA_PRIME',
          },
          { ...base, name: 'cameras', match: { deviceClass: ['cam-v1'] }, suciScheme: 'null' },
          { ...base, name: 'preset', match: { deviceClass: ['preset-v1'] }, supi: 'preconfigured' },
          base,
        ];
      }),
    },
  );
});
afterAll(async () => {
  await network.close();
  rmSync(dir, { recursive: true, force: true });
});

async function endorsed(deviceClass: string) {
  const device = makeDevice();
  await endorse(network, device, deviceClass);
  return device;
}

test("a class-matched rule: another SNPN, an NAI SUPI, SUCI Profile B, EAP-AKA'", async () => {
  const { bundle } = await onboard(network.ps, await endorsed('robot-v1'), 'jwt');
  expect(bundle.supi).toMatch(/^nai-[0-9a-f]{16}@factory\.snpn\.example$/);
  expect(bundle.snpn).toEqual({ mcc: '999', mnc: '70', nid: '00000000ABC' });
  expect(bundle.authMethod).toBe('EAP_AKA_PRIME');
  expect(bundle.suci).toMatchObject({ scheme: 'B', routingIndicator: '17' });
  expect(bundle.suci.hnPublicKey).toMatch(/^0[23][0-9a-f]{64}$/);
  expect(await network.udmCredentials(bundle.supi)).toMatchObject({
    authenticationMethod: 'EAP_AKA_PRIME',
    k: bundle.k,
  });
});

test('the null SUCI scheme carries no home network key', async () => {
  const { bundle } = await onboard(network.ps, await endorsed('cam-v1'));
  expect(bundle.suci).toEqual({ scheme: 'null', hnKeyId: 0, routingIndicator: '0' });
});

test('the rules decide in order; a rule may accept warning', () => {
  const rule = (
    name: string,
    match: PolicyRule['match'],
    accept: PolicyRule['accept'] = ['affirming'],
  ): PolicyRule => ({
    name,
    match,
    snpn: 'demo',
    holder: 'udm',
    authMethod: '5G_AKA',
    supi: 'imsi',
    suciScheme: 'A',
    accept,
  });
  const policy = [
    rule('by-model', { oemid: [{ hex: 'a1b2c3' }], hwmodel: ['0102'] }, ['affirming', 'warning']),
    rule('by-pen', { oemid: [{ pen: 32473 }] }),
    rule('cams', { deviceClass: ['cam-v1'] }),
  ];
  const oemid = Uint8Array.from([0xa1, 0xb2, 0xc3]);
  const hwmodel = Uint8Array.from([1, 2]);
  expect(decide(policy, { status: 'warning', oemid, hwmodel })).toMatchObject({
    accepted: true,
    rule: { name: 'by-model' },
  });
  expect(decide(policy, { status: 'affirming', oemid: 32473 })).toMatchObject({
    accepted: true,
    rule: { name: 'by-pen' },
  });
  expect(decide(policy, { status: 'warning', oemid: 32473 })).toMatchObject({
    accepted: false,
    rule: { name: 'by-pen' },
  });
  expect(decide(policy, { status: 'affirming', deviceClass: 'cam-v1', oemid })).toMatchObject({
    rule: { name: 'cams' },
  });
  expect(decide(policy, { status: 'affirming', deviceClass: 'cam-v2' })).toMatchObject({
    accepted: false,
  });
  expect(decide(policy, { status: 'contraindicated', oemid, hwmodel })).toMatchObject({
    accepted: false,
  });
});

describe('pre-configured credentials', () => {
  const preset = (supi: string) => ({
    supi,
    k: randomBytes(16).toString('hex'),
    opc: randomBytes(16).toString('hex'),
    amf: '9001',
    sqn: '0000000000ff',
  });

  test('imported for a UEID, delivered as imported, used once', async () => {
    const device = await endorsed('preset-v1');
    const creds = preset(`imsi-00101${String(Date.now()).slice(-10)}`);
    const put = await network.ps.app.inject({
      method: 'PUT',
      url: `/onboarding-admin/v1/preconfigured/${device.ueidHex}`,
      headers: admin,
      payload: creds,
    });
    expect(put.statusCode).toBe(201);
    expect(put.json()).not.toHaveProperty('k');
    expect(put.json()).not.toHaveProperty('opc');
    expect(JSON.stringify(put.json())).not.toContain(creds.k);

    const { bundle } = await onboard(network.ps, device);
    expect(bundle).toMatchObject({
      supi: creds.supi,
      k: creds.k,
      opc: creds.opc,
      amf: '9001',
      sqn: '0000000000ff',
    });
    expect(await network.udmCredentials(creds.supi)).toMatchObject({ k: creds.k, opc: creds.opc });

    const read = await network.ps.app.inject({
      method: 'GET',
      url: `/onboarding-admin/v1/preconfigured/${device.ueidHex}`,
      headers: admin,
    });
    expect(read.json()).toMatchObject({
      supi: creds.supi,
      used: true,
      sessionId: expect.any(String),
    });
    expect(JSON.stringify(read.json())).not.toContain(creds.k);

    // A second onboarding finds them used.
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
    expect((await submit(network.ps, evidence)).json()).toMatchObject({
      cause: 'PRECONFIGURED_CREDENTIALS_MISSING',
    });
    // A SUPI issued once cannot be imported again.
    const again = await network.ps.app.inject({
      method: 'PUT',
      url: `/onboarding-admin/v1/preconfigured/${device.ueidHex}`,
      headers: admin,
      payload: creds,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ cause: 'SUPI_ALREADY_ISSUED' });
  });

  test('a device the policy provisions so, with nothing imported: PRECONFIGURED_CREDENTIALS_MISSING', async () => {
    const device = await endorsed('preset-v1');
    const { evidence } = await makeEvidence(device, await challenge(network.ps), 'jwt');
    const r = await submit(network.ps, evidence);
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ cause: 'PRECONFIGURED_CREDENTIALS_MISSING' });
  });

  test('imported in bulk: all or nothing, one report line per problem', async () => {
    const devices = [await endorsed('preset-v1'), await endorsed('preset-v1')];
    const items = devices.map((d, i) => ({
      ueid: d.ueidHex,
      ...preset(`nai-bulk${i}-${randomBytes(3).toString('hex')}@factory.snpn.example`),
    }));
    const bad = await network.ps.app.inject({
      method: 'POST',
      url: '/onboarding-admin/v1/preconfigured-batches',
      headers: admin,
      payload: { credentials: [...items, { ...items[0]!, ueid: '01zz', k: 'short' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ cause: 'MANDATORY_IE_INCORRECT' });
    const bad2 = await network.ps.app.inject({
      method: 'POST',
      url: '/onboarding-admin/v1/preconfigured-batches',
      headers: admin,
      payload: { credentials: [...items, { ...items[0]!, ueid: 'zz' }] },
    });
    expect(bad2.json()).toMatchObject({ cause: 'BATCH_REJECTED' });
    expect(bad2.json().invalidParams.map((p: { param: string }) => p.param)).toEqual(
      expect.arrayContaining(['/credentials/2/ueid', '/credentials/2/supi']),
    );
    const ok = await network.ps.app.inject({
      method: 'POST',
      url: '/onboarding-admin/v1/preconfigured-batches',
      headers: admin,
      payload: { credentials: items },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ imported: 2 });
    const { bundle } = await onboard(network.ps, devices[1]!, 'jwt');
    expect(bundle).toMatchObject({ supi: items[1]!.supi, k: items[1]!.k });
  });

  test('delete, and 404 after', async () => {
    const device = makeDevice();
    const url = `/onboarding-admin/v1/preconfigured/${device.ueidHex}`;
    await network.ps.app.inject({
      method: 'PUT',
      url,
      headers: admin,
      payload: preset(`imsi-0010199${randomBytes(4).readUInt32BE() % 100000000}`.slice(0, 20)),
    });
    expect(
      (await network.ps.app.inject({ method: 'DELETE', url, headers: admin })).statusCode,
    ).toBe(204);
    const gone = await network.ps.app.inject({ method: 'GET', url, headers: admin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ cause: 'PRECONFIGURED_CREDENTIALS_NOT_FOUND' });
  });
});

test('the operator API needs the admin token; the onboarding API does not', async () => {
  const device = makeDevice();
  const url = `/onboarding-admin/v1/devices/${device.ueidHex}/sessions`;
  expect((await network.ps.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  expect(
    (
      await network.ps.app.inject({
        method: 'GET',
        url,
        headers: { authorization: 'Bearer wrong-token-of-some-length' },
      })
    ).statusCode,
  ).toBe(401);
  expect(
    (
      await network.ps.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json(),
  ).toEqual({ items: [] });
  expect(
    (
      await network.ps.app.inject({
        method: 'GET',
        url: '/onboarding-admin/v1/devices/zz/sessions',
        headers: admin,
      })
    ).json(),
  ).toMatchObject({ cause: 'UEID_INVALID' });
  expect(
    (await network.ps.app.inject({ method: 'POST', url: '/onboarding/v1/challenges' })).statusCode,
  ).toBe(201);
});

test('both interfaces serve their OpenAPI document', async () => {
  for (const prefix of ['/onboarding/v1', '/onboarding-admin/v1']) {
    const r = await network.ps.app.inject({ method: 'GET', url: `${prefix}/openapi.json` });
    expect(r.statusCode).toBe(200);
    expect(r.json().openapi).toBe('3.1.0');
  }
  const doc = (
    await network.ps.app.inject({ method: 'GET', url: '/onboarding/v1/openapi.json' })
  ).json();
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining(['/challenges', '/sessions', '/sessions/{id}', '/sessions/{id}/ack']),
  );
  expect(Object.keys(doc.paths['/sessions'].post.requestBody.content)).toEqual([
    'application/eat+cwt',
    'application/eat+jwt',
  ]);
});
