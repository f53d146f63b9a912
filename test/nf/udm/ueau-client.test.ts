// The UdmUeauClient against a real listening UDM: what the AUSF does (generate-auth-data for a
// SUCI, then the auth event), and the UDM's causes surfacing as SbiClientError.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import { concealSupi } from '../../../src/lib/aka/suci.js';
import { parseSupi } from '../../../src/lib/aka/supi.js';
import { checkAuthentication } from '../../../src/lib/aka/usim.js';
import { UdmUeauClient } from '../../../src/nf/udm/ueau-client.js';
import { SbiClientError } from '../../../src/sbi/client.js';
import { ADMIN_TOKEN, createTestUdm, type TestUdm } from './test-udm.js';
import { bytesOf, hexOf, newImsi, provision } from './ueau-helpers.js';

const SNN = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';

let t: TestUdm;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestUdm({
    config: { servingNetworks: [{ mcc: '001', mnc: '01', nid: '000007ED9D5' }] },
  });
  baseUrl = await t.udm.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t.close();
});

const client = (token = ADMIN_TOKEN) => new UdmUeauClient({ baseUrl, bearerToken: token });

async function errorOf(call: Promise<unknown>): Promise<SbiClientError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SbiClientError);
  return err as SbiClientError;
}

test('generate-auth-data for a Profile B SUCI, then the auth event', async () => {
  const p = await provision(t, newImsi(), { method: 'EAP_AKA_PRIME' });
  const key = (await t.udm.homeNetworkKeys.list()).keys.find((k) => k.scheme === 'B')!;
  const suci = concealSupi(parseSupi(p.supi), {
    scheme: 'B',
    hnPublicKey: fromHex(key.hnPublicKey),
    hnKeyId: key.hnKeyId,
  });
  const result = await client().generateAuthData(suci, {
    servingNetworkName: SNN,
    ausfInstanceId: 'c0ffee00-0000-4000-8000-000000000001',
  });
  expect(result.supi).toBe(p.supi);
  expect(result.authType).toBe('EAP_AKA_PRIME');
  if (result.authType !== 'EAP_AKA_PRIME') return;
  const av = result.authenticationVector;
  const verdict = checkAuthentication({
    k: p.k,
    opc: p.opc,
    rand: bytesOf(av.rand),
    autn: bytesOf(av.autn),
    sqnArray: UsimSqnArray.fromSqnMs(parseInt(p.sqn, 16)),
  });
  expect(verdict.result === 'ok' && hexOf(verdict.res)).toBe(av.xres);

  await client().authEvent(p.supi, {
    nfInstanceId: 'c0ffee00-0000-4000-8000-000000000001',
    success: true,
    timeStamp: new Date().toISOString(),
    authType: 'EAP_AKA_PRIME',
    servingNetworkName: SNN,
  });
  expect(await client().latestAuthEvent(p.supi)).toMatchObject({ supi: p.supi, success: true });
});

test("the UDM's causes arrive as SbiClientError", async () => {
  const request = { servingNetworkName: SNN, ausfInstanceId: 'a' };
  const unknown = await errorOf(client().generateAuthData(newImsi(), request));
  expect([unknown.status, unknown.problemCause]).toEqual([404, 'USER_NOT_FOUND']);

  const p = await provision(t, newImsi());
  const other = await errorOf(
    client().generateAuthData(p.supi, {
      ...request,
      servingNetworkName: '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D6',
    }),
  );
  expect([other.status, other.problemCause]).toEqual([403, 'SERVING_NETWORK_NOT_AUTHORIZED']);

  const badKey = await errorOf(
    client().generateAuthData(
      `suci-0-001-01-0-1-99-${'ab'.repeat(32)}0102${'00'.repeat(8)}`,
      request,
    ),
  );
  expect([badKey.status, badKey.problemCause]).toEqual([403, 'INVALID_HN_PUBLIC_KEY_IDENTIFIER']);

  const unauthorised = await errorOf(
    client('not-the-token-0123456789').generateAuthData(p.supi, request),
  );
  expect(unauthorised.status).toBe(401);

  const event = await errorOf(
    client().authEvent(newImsi(), {
      nfInstanceId: 'a',
      success: true,
      timeStamp: new Date().toISOString(),
      authType: '5G_AKA',
      servingNetworkName: SNN,
    }),
  );
  expect([event.status, event.problemCause]).toEqual([404, 'USER_NOT_FOUND']);
});
