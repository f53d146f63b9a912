// The DCS's typed client against a real, listening DCS: the calls the PS and the manufacturer's
// tools make, and the peer's causes carried through.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { toHex } from '../../../src/lib/bytes.js';
import { verifyEar } from '../../../src/lib/rats/ear.js';
import { EAT_PROFILE, INTUSE } from '../../../src/lib/rats/eat-claims.js';
import { encodeEatCwt } from '../../../src/lib/rats/eat-cwt.js';
import { DcsClient } from '../../../src/nf/dcs/client.js';
import type { Dcs } from '../../../src/nf/dcs/dcs.js';
import { createTestDcs, type TestDcs } from './test-dcs.js';
import { SbiClientError } from '../../../src/sbi/client.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const TOKEN = 'dcs-client-test-admin-token';
let dcs: Dcs;
let testDcs: TestDcs;
let admin: DcsClient;
let verifier: DcsClient;

beforeAll(async () => {
  testDcs = await createTestDcs(TOKEN);
  dcs = testDcs.dcs;
  const baseUrl = await dcs.app.listen({ host: '127.0.0.1', port: 0 });
  admin = new DcsClient({ baseUrl, adminToken: TOKEN });
  verifier = new DcsClient({ baseUrl });
});
afterAll(async () => {
  await testDcs.close();
});

function device() {
  return { ueid: Uint8Array.from([0x01, ...randomBytes(16)]), ...generateJwkPair('P-256') };
}

function evidenceOf(d: ReturnType<typeof device>, nonce: Uint8Array, swversion = '2.0.0') {
  const cnf = generateJwkPair('P-256').publicJwk;
  const cwt = encodeEatCwt(
    {
      nonce,
      ueid: d.ueid,
      cnf,
      iat: Math.floor(Date.now() / 1000),
      swname: 'cam-fw',
      swversion: { version: swversion },
      oemboot: true,
      dbgstat: 3,
      intuse: INTUSE.provisioning,
      eatProfile: EAT_PROFILE,
    },
    { key: d.privateJwk },
  );
  return { type: 'application/eat+cwt' as const, value: Buffer.from(cwt).toString('base64url') };
}

test('endorse a class and devices, appraise, verify the EAR with the published keys', async () => {
  await admin.putClass('cam-v2', { swversions: ['2.0.0'], requireOemboot: true, dbgstat: [3] });
  expect(await admin.getClass('cam-v2')).toEqual({
    swversions: ['2.0.0'],
    requireOemboot: true,
    dbgstat: [3],
  });
  expect(await admin.getClass('no-such-class')).toBeUndefined();
  expect(await admin.getDevice('01' + '00'.repeat(16))).toBeUndefined();
  const one = device();
  const two = device();
  expect(
    await admin.putDevice(toHex(one.ueid), { akm: one.publicJwk, deviceClass: 'cam-v2' }),
  ).toBe('created');
  expect(
    await admin.putDevice(toHex(one.ueid), { akm: one.publicJwk, deviceClass: 'cam-v2' }),
  ).toBe('replaced');
  expect(
    await admin.importDevices([
      { ueid: toHex(two.ueid), akm: two.publicJwk, deviceClass: 'cam-v2' },
    ]),
  ).toEqual({ imported: 1 });

  const nonce = new Uint8Array(randomBytes(32));
  const ear = await verifier.appraise(evidenceOf(two, nonce), nonce);
  const verified = await verifyEar(ear, await verifier.keys());
  expect(verified.ok && verified.value.submods.ue?.status).toBe('affirming');

  await admin.revokeDevice(toHex(two.ueid));
  expect(await admin.getDevice(toHex(two.ueid))).toMatchObject({
    ueid: toHex(two.ueid),
    deviceClass: 'cam-v2',
    revoked: true,
  });
  const again = await verifier.appraise(evidenceOf(two, nonce), nonce);
  const after = await verifyEar(again, await verifier.keys());
  expect(after.ok && after.value.submods.ue?.status).toBe('contraindicated');
});

test("the DCS's causes reach the caller: no token, bad batch, undecodable Evidence", async () => {
  const noToken = await verifier
    .putDevice('01' + '00'.repeat(16), { akm: device().publicJwk, deviceClass: 'cam-v2' })
    .catch((e) => e);
  expect(noToken).toBeInstanceOf(SbiClientError);
  expect(noToken.status).toBe(401);

  const bad = await admin
    .importDevices([{ ueid: 'zz', akm: device().publicJwk, deviceClass: 'cam-v2' }])
    .catch((e) => e);
  expect(bad.status).toBe(400);
  expect(bad.problem?.invalidParams?.[0]?.param).toBe('/devices/0/ueid');

  const garbage = await verifier
    .appraise({ type: 'application/eat+cwt', value: 'AAAA' }, new Uint8Array(32))
    .catch((e) => e);
  expect(garbage.status).toBe(400);
  expect(garbage.problemCause).toBe('EVIDENCE_MALFORMED');
});
