// The UdmClient against a real listening UDM: the round trip the PS makes (put, put again, read,
// home network keys, delete), and the errors it surfaces with the UDM's cause.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SbiClientError } from '../../../src/sbi/client.js';
import { UdmClient } from '../../../src/nf/udm/client.js';
import { ADMIN_TOKEN, createTestUdm, openHere, type TestUdm } from './test-udm.js';

let t: TestUdm;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestUdm();
  baseUrl = await t.udm.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t.close();
});

const client = (change: Partial<ConstructorParameters<typeof UdmClient>[0]> = {}) =>
  new UdmClient({
    baseUrl,
    bearerToken: ADMIN_TOKEN,
    transportKey: t.config.transportKey,
    ...change,
  });

test('put (created, then replaced), get, home network keys, delete', async () => {
  const udm = client();
  const supi = 'imsi-001010000000042';
  const k = new Uint8Array(randomBytes(16));
  const opc = new Uint8Array(randomBytes(16));
  const values = {
    authenticationMethod: '5G_AKA' as const,
    k,
    opc,
    amf: '8000',
    sqn: '000000000020',
  };
  expect(await udm.putAuthenticationSubscription(supi, values)).toBe('created');
  expect(await udm.putAuthenticationSubscription(supi, values)).toBe('replaced');
  const k2 = new Uint8Array(randomBytes(16));
  expect(
    await udm.putAuthenticationSubscription(supi, {
      ...values,
      k: k2,
      authenticationMethod: 'EAP_AKA_PRIME',
    }),
  ).toBe('replaced');

  const read = await udm.getAuthenticationSubscription(supi);
  expect(read).toMatchObject({
    supi,
    authenticationMethod: 'EAP_AKA_PRIME',
    authenticationManagementField: '8000',
    algorithmId: 'milenage',
    sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: '000000000020' },
  });
  expect(JSON.stringify(read)).not.toContain(Buffer.from(k2).toString('hex'));

  // What the UDM holds: the K the client sent, sealed under the UDM's KEK.
  const row = await t.udm.store.db
    .selectFrom('authentication_subscriptions')
    .selectAll()
    .where('supi', '=', supi)
    .executeTakeFirstOrThrow();
  expect(openHere(t.config.kek, row.k_sealed, `authentication_subscription:${supi}:k`)).toEqual(
    Buffer.from(k2),
  );
  expect(openHere(t.config.kek, row.opc_sealed, `authentication_subscription:${supi}:opc`)).toEqual(
    Buffer.from(opc),
  );

  const { keys } = await udm.homeNetworkKeys();
  expect(keys.map((x) => x.scheme)).toEqual(['A', 'B']);
  expect(keys).toEqual((await t.udm.homeNetworkKeys.list()).keys);

  await udm.deleteAuthenticationSubscription(supi);
  await udm.deleteAuthenticationSubscription(supi);
  const gone = await udm.getAuthenticationSubscription(supi).catch((e: unknown) => e);
  expect(gone).toBeInstanceOf(SbiClientError);
  expect((gone as SbiClientError).status).toBe(404);
  expect((gone as SbiClientError).problemCause).toBe('USER_NOT_FOUND');
});

test('an NAI SUPI travels percent-encoded and comes back as sent', async () => {
  const udm = client();
  const supi = 'nai-sensor.7@factory.example.org';
  const values = {
    authenticationMethod: 'EAP_AKA_PRIME' as const,
    k: new Uint8Array(randomBytes(16)),
    opc: new Uint8Array(randomBytes(16)),
    amf: '8000',
    sqn: '000000000001',
  };
  expect(await udm.putAuthenticationSubscription(supi, values)).toBe('created');
  expect((await udm.getAuthenticationSubscription(supi)).supi).toBe(supi);
  await udm.deleteAuthenticationSubscription(supi);
});

test('a client with another transport key or token gets the UDM cause', async () => {
  const values = {
    authenticationMethod: '5G_AKA' as const,
    k: new Uint8Array(randomBytes(16)),
    opc: new Uint8Array(randomBytes(16)),
    amf: '8000',
    sqn: '000000000020',
  };
  const supi = 'imsi-001010000000043';
  const wrongKey = client({
    transportKey: { id: t.config.transportKey.id, key: new Uint8Array(randomBytes(32)) },
  });
  const e1 = await wrongKey.putAuthenticationSubscription(supi, values).catch((e: unknown) => e);
  expect(e1).toBeInstanceOf(SbiClientError);
  expect((e1 as SbiClientError).status).toBe(400);
  expect((e1 as SbiClientError).problemCause).toBe('MANDATORY_IE_INCORRECT');
  expect((e1 as SbiClientError).message).not.toContain(Buffer.from(values.k).toString('hex'));

  const wrongId = client({ transportKey: { id: 'other', key: t.config.transportKey.key } });
  const e2 = await wrongId.putAuthenticationSubscription(supi, values).catch((e: unknown) => e);
  expect((e2 as SbiClientError).problem?.invalidParams?.[0]?.param).toBe('/protectionParameterId');

  const wrongToken = client({ bearerToken: 'another-admin-token-0123456789' });
  const e3 = await wrongToken.homeNetworkKeys().catch((e: unknown) => e);
  expect((e3 as SbiClientError).status).toBe(401);
  expect((e3 as SbiClientError).problemCause).toBe('UNAUTHORIZED');

  const badAmf = await client()
    .putAuthenticationSubscription(supi, { ...values, amf: '80' })
    .catch((e: unknown) => e);
  expect((badAmf as SbiClientError).status).toBe(400);

  expect(() => client({ transportKey: { id: 'x', key: new Uint8Array(16) } })).toThrow(RangeError);
  await expect(client().getAuthenticationSubscription(supi)).rejects.toMatchObject({
    status: 404,
  });
});

test('the OpenAPI document is served without a token and documents the bearer', async () => {
  const r = await fetch(`${baseUrl}/nudm-cp/v1/openapi.json`);
  expect(r.status).toBe(200);
  const doc = (await r.json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
  expect(Object.keys(doc.paths).sort()).toEqual(['/home-network-keys', '/{supi}']);
  expect(doc.paths['/{supi}']!.put!.security).toEqual([{ bearer: [] }]);
});
