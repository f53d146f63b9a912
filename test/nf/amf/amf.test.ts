// The AMF's registration API over HTTP, in front of a real AUSF and UDM: the API's shapes and
// refusals, driven by hand (the UE's side with src/ue/usim.ts; keys checked independently in
// test/nf/ausf/test-ausf.ts's node:crypto derivations).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fromHex, toHex } from '../../../src/lib/bytes.js';
import { akaClientError, toEapPayload } from '../../../src/lib/eap/index.js';
import type { CredentialBundle } from '../../../src/lib/onboarding/credential-bundle.js';
import { AMF_INTERFACES } from '../../../src/nf/amf/amf.js';
import { eapFailureOf } from '../../../src/nf/amf/client.js';
import { computeSuci } from '../../../src/ue/suci.js';
import { Usim } from '../../../src/ue/usim.js';
import { sbiRefusal } from '../../helpers.js';
import { kdfHere } from '../../reference-kdf.js';
import { createTestNetwork, SNN, SNPN, type TestNetwork } from './test-amf.js';

let net: TestNetwork;
beforeAll(async () => {
  net = await createTestNetwork();
});
afterAll(async () => {
  await net?.close();
});

const post = (url: string, payload: unknown) =>
  net.amf.app.inject({ method: 'POST', url, payload: payload as object });
const put = (url: string, payload: unknown) =>
  net.amf.app.inject({ method: 'PUT', url, payload: payload as object });

describe('5G AKA by hand', () => {
  let bundle: CredentialBundle;
  beforeAll(async () => {
    bundle = await net.provision({ scheme: 'B' });
  });

  test('201 with Location, RAND, AUTN, ABBA; RES* -> the SUPI, and nothing of KSEAF or KAMF', async () => {
    const response = await post('/namf-reg/v1/registrations', {
      suci: computeSuci(bundle),
      snpn: SNPN,
    });
    expect(response.statusCode).toBe(201);
    const body = response.json<{ id: string; rand: string; autn: string; abba: string }>();
    expect(response.headers.location).toBe(`/namf-reg/v1/registrations/${body.id}`);
    expect(body).toMatchObject({ authMethod: '5G_AKA', abba: '0000' });
    expect(Object.keys(body).sort()).toEqual(['abba', 'authMethod', 'autn', 'id', 'rand']);
    const answer = Usim.fromBundle(bundle).authenticate(
      fromHex(body.rand),
      fromHex(body.autn),
      SNN,
    );
    if (answer.result !== 'ok') throw new Error(answer.result);
    const confirmed = await put(`/namf-reg/v1/registrations/${body.id}/5g-aka`, {
      resStar: toHex(answer.resStar!),
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ result: 'AUTHENTICATION_SUCCESS', supi: bundle.supi });
    // KAMF = KDF(KSEAF, 0x6D, SUPI digits, ABBA), KSEAF from CK, IK here with node:crypto.
    const kausf = kdfHere(Buffer.concat([answer.ck, answer.ik]), 0x6a, [
      SNN,
      fromHex(body.autn).subarray(0, 6),
    ]);
    const kseaf = kdfHere(kausf, 0x6c, [SNN]);
    const kamf = kdfHere(kseaf, 0x6d, [bundle.supi.slice(5), Buffer.of(0, 0)]);
    expect(toHex(net.amf.registrations.securityContext(body.id)!.kamf)).toBe(kamf.toString('hex'));
    expect(confirmed.body).not.toContain(kseaf.toString('hex'));
  });

  test('a RES* computed with another K: 403 AUTHENTICATION_REJECTED', async () => {
    const challenge = await net.amfClient.register(computeSuci(bundle), SNPN);
    if (challenge.authMethod !== '5G_AKA') throw new Error('5G AKA expected');
    const impostor = Usim.fromBundle({ ...bundle, k: randomBytes(16).toString('hex') });
    // The impostor's USIM refuses AUTN; a UE that ignored that could only guess RES*.
    expect(impostor.authenticate(fromHex(challenge.rand), fromHex(challenge.autn), SNN)).toEqual({
      result: 'mac_failure',
    });
    const guess = toHex(randomBytes(16));
    const err = await sbiRefusal(net.amfClient.confirm5gAka(challenge.id, guess));
    expect(err.status).toBe(403);
    expect(err.problemCause).toBe('AUTHENTICATION_REJECTED');
    // The registration is over.
    expect((await sbiRefusal(net.amfClient.confirm5gAka(challenge.id, guess))).status).toBe(404);
  });

  test('the request bodies are checked: 400 with the parameter named', async () => {
    const missing = await post('/namf-reg/v1/registrations', { suci: 'suci-0-001-01-0-0-0-1' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ cause: 'MANDATORY_IE_MISSING' });
    const badNid = await post('/namf-reg/v1/registrations', {
      suci: 'x',
      snpn: { ...SNPN, nid: 'zz' },
    });
    expect(badNid.json()).toMatchObject({ status: 400, cause: 'MANDATORY_IE_INCORRECT' });
    const challenge = await net.amfClient.register(computeSuci(bundle), SNPN);
    const both = await put(`/namf-reg/v1/registrations/${challenge.id}/5g-aka`, {
      resStar: '00'.repeat(16),
      auts: '00'.repeat(14),
    });
    expect(both.statusCode).toBe(400);
    const shortRes = await put(`/namf-reg/v1/registrations/${challenge.id}/5g-aka`, {
      resStar: '00',
    });
    expect(shortRes.json()).toMatchObject({
      status: 400,
      invalidParams: [{ param: 'body/resStar' }],
    });
  });
});

describe('refusals', () => {
  test('an SNPN not served: 403 SNPN_NOT_SERVED', async () => {
    const bundle = await net.provision();
    const response = await post('/namf-reg/v1/registrations', {
      suci: computeSuci(bundle),
      snpn: { ...SNPN, nid: '00000000001' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ cause: 'SNPN_NOT_SERVED' });
  });

  test("a malformed SUCI, an unknown key id, an unknown SUPI: the UDM's causes", async () => {
    const bundle = await net.provision({ scheme: 'A' });
    const bad = await post('/namf-reg/v1/registrations', { suci: 'suci-9-nonsense', snpn: SNPN });
    expect(bad.json()).toMatchObject({ status: 400, cause: 'MANDATORY_IE_INCORRECT' });
    const unknownKey = await sbiRefusal(
      net.amfClient.register(
        computeSuci({ ...bundle, suci: { ...bundle.suci, hnKeyId: 77 } }),
        SNPN,
      ),
    );
    expect(unknownKey.problemCause).toBe('INVALID_HN_PUBLIC_KEY_IDENTIFIER');
    const unknownSupi = await sbiRefusal(
      net.amfClient.register('suci-0-001-01-0-0-0-9999999999', SNPN),
    );
    expect([unknownSupi.status, unknownSupi.problemCause]).toEqual([404, 'USER_NOT_FOUND']);
  });

  test("EAP-AKA': a Client-Error from the UE ends in 403 carrying the EAP-Failure", async () => {
    const bundle = await net.provision({ method: 'EAP_AKA_PRIME', supi: 'nai' });
    const challenge = await net.amfClient.register(computeSuci(bundle), SNPN);
    if (challenge.authMethod !== 'EAP_AKA_PRIME') throw new Error("EAP-AKA' expected");
    const identifier = Buffer.from(challenge.eapPayload, 'base64')[1]!;
    const err = await sbiRefusal(
      net.amfClient.eapSession(challenge.id, toEapPayload(akaClientError(identifier))),
    );
    expect([err.status, err.problemCause]).toEqual([403, 'AUTHENTICATION_REJECTED']);
    const failure = Buffer.from(eapFailureOf(err)!, 'base64');
    expect(failure[0]).toBe(4); // EAP-Failure
  });

  test('a 5G AKA request on an EAP registration, and an unknown id: 409 and 404', async () => {
    const bundle = await net.provision({ method: 'EAP_AKA_PRIME' });
    const challenge = await net.amfClient.register(computeSuci(bundle), SNPN);
    const mismatch = await sbiRefusal(net.amfClient.confirm5gAka(challenge.id, '00'.repeat(16)));
    expect([mismatch.status, mismatch.problemCause]).toEqual([409, 'AUTH_METHOD_MISMATCH']);
    const unknown = await sbiRefusal(net.amfClient.confirm5gAka('no-such-id', '00'.repeat(16)));
    expect([unknown.status, unknown.problemCause]).toEqual([404, 'CONTEXT_NOT_FOUND']);
  });
});

test('the OpenAPI document is served without a token, and documents the three operations', async () => {
  const response = await net.amf.app.inject({ method: 'GET', url: '/namf-reg/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  const doc = response.json<{ info: { title: string }; paths: Record<string, unknown> }>();
  expect(doc.info.title).toBe(AMF_INTERFACES[0]!.title);
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/registrations',
    '/registrations/{id}/5g-aka',
    '/registrations/{id}/eap-session',
  ]);
  const eap = doc.paths['/registrations/{id}/eap-session'] as {
    post: { responses: Record<string, { content: Record<string, unknown> }> };
  };
  expect(Object.keys(eap.post.responses['403']!.content)).toEqual(['application/problem+json']);
});
