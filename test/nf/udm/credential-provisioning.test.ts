// The UDM credential provisioning API (/nudm-cp/v1) on both store backends: create, replace,
// idempotent retry, read without secrets, delete (also of an absent SUPI); K and OPc sealed at rest
// under the KEK and bound to their row; every bad input a 400 ProblemDetails with a cause; the
// bearer token required. Sealed values are made and opened here with node:crypto alone.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { dropSchemas, storeBackends, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import { admin, createTestUdm, openHere, sealHere, type TestUdm } from './test-udm.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-udm-cp-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

let imsiCounter = 0;
/** A fresh IMSI SUPI: MCC 001, MNC 01, a 10-digit MSIN unique in this run. */
function newSupi(): string {
  imsiCounter++;
  return `imsi-00101${String(Date.now() % 1e6).padStart(6, '0')}${String(imsiCounter).padStart(4, '0')}`;
}

interface Values {
  k: Buffer;
  opc: Buffer;
  amf?: string;
  sqn?: string;
  method?: string;
}

describe.each(storeBackends(dataDir, prefix))('UDM credential provisioning on %s', (_n, store) => {
  let t: TestUdm;
  beforeAll(async () => {
    t = await createTestUdm({ store });
  });
  afterAll(async () => {
    await t.close();
  });

  /** A PUT body as the PS sends it: K and OPc sealed under the transport key for this SUPI. */
  function body(supi: string, v: Values, change: Record<string, unknown> = {}) {
    const key = t.config.transportKey.key;
    return {
      authenticationMethod: v.method ?? '5G_AKA',
      encPermanentKey: sealHere(key, v.k, `${supi}|encPermanentKey`),
      encOpcKey: sealHere(key, v.opc, `${supi}|encOpcKey`),
      protectionParameterId: t.config.transportKey.id,
      authenticationManagementField: v.amf ?? '8000',
      algorithmId: 'milenage',
      sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: v.sqn ?? '000000000020' },
      ...change,
    };
  }
  const fresh = (): Values => ({ k: randomBytes(16), opc: randomBytes(16) });
  const put = (supi: string, payload: unknown, headers: Record<string, string> = admin) =>
    t.udm.app.inject({
      method: 'PUT',
      url: `/nudm-cp/v1/${encodeURIComponent(supi)}`,
      headers,
      payload: payload as Record<string, unknown>,
    });
  const get = (supi: string) =>
    t.udm.app.inject({
      method: 'GET',
      url: `/nudm-cp/v1/${encodeURIComponent(supi)}`,
      headers: admin,
    });
  const del = (supi: string) =>
    t.udm.app.inject({
      method: 'DELETE',
      url: `/nudm-cp/v1/${encodeURIComponent(supi)}`,
      headers: admin,
    });
  const rawRow = (supi: string) =>
    t.udm.store.db
      .selectFrom('authentication_subscriptions')
      .selectAll()
      .where('supi', '=', supi)
      .executeTakeFirst();

  test('PUT creates (201), GET reads it back without K or OPc', async () => {
    const supi = newSupi();
    const v = fresh();
    const r = await put(supi, body(supi, v, { authenticationManagementField: 'B9B9' }));
    expect(r.statusCode).toBe(201);
    expect(r.headers.location).toBe(`/nudm-cp/v1/${supi}`);
    const expected = {
      supi,
      authenticationMethod: '5G_AKA',
      authenticationManagementField: 'b9b9',
      algorithmId: 'milenage',
      sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: '000000000020' },
    };
    expect(r.json()).toMatchObject(expected);
    const g = await get(supi);
    expect(g.statusCode).toBe(200);
    const read = g.json();
    expect(read).toMatchObject(expected);
    expect(Object.keys(read).sort()).toEqual(
      [
        'algorithmId',
        'authenticationManagementField',
        'authenticationMethod',
        'createdAt',
        'sequenceNumber',
        'supi',
        'updatedAt',
      ].sort(),
    );
    for (const secret of [v.k, v.opc]) {
      expect(g.body.toLowerCase()).not.toContain(secret.toString('hex'));
      expect(r.body.toLowerCase()).not.toContain(secret.toString('hex'));
    }
  });

  test('K and OPc are sealed at rest under the KEK, bound to their row', async () => {
    const supi = newSupi();
    const v = fresh();
    expect((await put(supi, body(supi, v))).statusCode).toBe(201);
    const row = await rawRow(supi);
    expect(row).toBeDefined();
    const kek = t.config.kek;
    for (const [sealed, plain, what] of [
      [row!.k_sealed, v.k, 'k'],
      [row!.opc_sealed, v.opc, 'opc'],
    ] as const) {
      expect(sealed.startsWith('v1.')).toBe(true);
      expect(sealed.toLowerCase()).not.toContain(plain.toString('hex'));
      expect(sealed).not.toContain(plain.toString('base64url'));
      expect(openHere(kek, sealed, `authentication_subscription:${supi}:${what}`)).toEqual(plain);
      // Not under the transport key, and not for another row.
      expect(() =>
        openHere(t.config.transportKey.key, sealed, `authentication_subscription:${supi}:${what}`),
      ).toThrow();
      expect(() =>
        openHere(kek, sealed, `authentication_subscription:${newSupi()}:${what}`),
      ).toThrow();
    }
    expect(row!.sqn).toBe('000000000020');
    if (store.kind === 'sqlite') {
      // The database file itself (and its write-ahead log, where a fresh row lives until a
      // checkpoint) holds neither K nor OPc in clear, in bytes, hex or base64url.
      const files = ['udm.sqlite', 'udm.sqlite-wal']
        .map((f) => join(store.dataDir, f))
        .filter((f) => existsSync(f));
      expect(files.length).toBeGreaterThan(0);
      const raw = Buffer.concat(files.map((f) => readFileSync(f)));
      expect(raw.includes(Buffer.from(supi))).toBe(true);
      for (const plain of [v.k, v.opc]) {
        expect(raw.includes(plain)).toBe(false);
        const hex = plain.toString('hex');
        for (const text of [hex, hex.toUpperCase(), plain.toString('base64url')]) {
          expect(raw.includes(Buffer.from(text))).toBe(false);
        }
      }
    }
    // What issue 5's authentication reads: the same K and OPc.
    const creds = await t.udm.subscriptions.credentials(supi);
    expect(Buffer.from(creds!.k)).toEqual(v.k);
    expect(Buffer.from(creds!.opc)).toEqual(v.opc);
    expect(creds!.amf).toBe('8000');
  });

  test('PUT replaces (200); the same content again is 200 and changes nothing', async () => {
    const supi = newSupi();
    const v1 = fresh();
    expect((await put(supi, body(supi, v1))).statusCode).toBe(201);
    const created = (await get(supi)).json();
    const v2: Values = { ...fresh(), method: 'EAP_AKA_PRIME', sqn: '0000000000A0', amf: '0001' };
    await new Promise((r) => setTimeout(r, 5));
    const replaced = await put(supi, body(supi, v2));
    expect(replaced.statusCode).toBe(200);
    expect(replaced.headers.location).toBeUndefined();
    expect(replaced.json()).toMatchObject({
      authenticationMethod: 'EAP_AKA_PRIME',
      authenticationManagementField: '0001',
      sequenceNumber: { sqn: '0000000000a0' },
      createdAt: created.createdAt,
    });
    expect(replaced.json().updatedAt > created.updatedAt).toBe(true);
    const creds = await t.udm.subscriptions.credentials(supi);
    expect(Buffer.from(creds!.k)).toEqual(v2.k);
    const rowBefore = await rawRow(supi);
    await new Promise((r) => setTimeout(r, 5));
    // A retry of the same PUT (freshly sealed, so other bytes on the wire): 200, row untouched.
    const again = await put(supi, body(supi, v2));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(replaced.json());
    expect(await rawRow(supi)).toEqual(rowBefore);
  });

  test('notAfter is stored as UTC and read back; a retry with the same instant changes nothing, another one does', async () => {
    const supi = newSupi();
    const v = fresh();
    const created = await put(supi, body(supi, v, { notAfter: '2027-01-01T02:00:00+02:00' }));
    expect(created.statusCode).toBe(201);
    expect(created.json().notAfter).toBe('2027-01-01T00:00:00.000Z');
    expect((await get(supi)).json().notAfter).toBe('2027-01-01T00:00:00.000Z');
    expect((await t.udm.subscriptions.credentials(supi))?.notAfter).toBe(
      '2027-01-01T00:00:00.000Z',
    );
    const row = await rawRow(supi);
    const again = await put(supi, body(supi, v, { notAfter: '2027-01-01T00:00:00Z' }));
    expect(again.statusCode).toBe(200);
    expect(await rawRow(supi)).toEqual(row);
    // Another end of validity for the same K, OPc and SQN: replaced, the same credential.
    const extended = await put(supi, body(supi, v, { notAfter: '2027-06-30T00:00:00Z' }));
    expect(extended.json().notAfter).toBe('2027-06-30T00:00:00.000Z');
    expect((await rawRow(supi))?.credential_id).toBe(row?.credential_id);
    // Without notAfter: no end.
    await put(supi, body(supi, v));
    expect((await get(supi)).json().notAfter).toBeUndefined();
    expect((await t.udm.subscriptions.credentials(supi))?.notAfter).toBeUndefined();
  });

  test('DELETE removes (204), then GET is 404 USER_NOT_FOUND, and DELETE again is 204', async () => {
    const supi = newSupi();
    expect((await put(supi, body(supi, fresh()))).statusCode).toBe(201);
    expect((await del(supi)).statusCode).toBe(204);
    const g = await get(supi);
    expect(g.statusCode).toBe(404);
    expect(g.headers['content-type']).toContain('application/problem+json');
    expect(g.json().cause).toBe('USER_NOT_FOUND');
    expect(await rawRow(supi)).toBeUndefined();
    expect((await del(supi)).statusCode).toBe(204);
    expect((await del(newSupi())).statusCode).toBe(204);
  });

  test('an NAI SUPI works like an IMSI one', async () => {
    const supi = `nai-dev.${randomBytes(4).toString('hex')}@factory.example.org`;
    const v = fresh();
    expect((await put(supi, body(supi, v))).statusCode).toBe(201);
    expect((await get(supi)).json().supi).toBe(supi);
    expect((await del(supi)).statusCode).toBe(204);
  });

  test('a wrong protectionParameterId is 400 naming it', async () => {
    const supi = newSupi();
    const r = await put(supi, body(supi, fresh(), { protectionParameterId: 'another-key' }));
    expect(r.statusCode).toBe(400);
    expect(r.json().cause).toBe('MANDATORY_IE_INCORRECT');
    expect(r.json().invalidParams).toEqual([
      { param: '/protectionParameterId', reason: expect.any(String) },
    ]);
    expect(await rawRow(supi)).toBeUndefined();
  });

  test('a sealed value that does not open (tampered, other SUPI, other key) is 400, no secret echoed', async () => {
    const supi = newSupi();
    const v = fresh();
    const good = body(supi, v);
    const flip = (s: string) => {
      const raw = Buffer.from(s.slice(3), 'base64url');
      raw[20] = raw[20]! ^ 1;
      return `v1.${raw.toString('base64url')}`;
    };
    const otherKey = randomBytes(32);
    const cases: [Record<string, unknown>, string][] = [
      [{ encPermanentKey: flip(good.encPermanentKey) }, '/encPermanentKey'],
      [{ encOpcKey: flip(good.encOpcKey) }, '/encOpcKey'],
      [
        {
          encPermanentKey: sealHere(t.config.transportKey.key, v.k, `${newSupi()}|encPermanentKey`),
        },
        '/encPermanentKey',
      ],
      [
        { encPermanentKey: sealHere(t.config.transportKey.key, v.k, `${supi}|encOpcKey`) },
        '/encPermanentKey',
      ],
      [{ encOpcKey: sealHere(otherKey, v.opc, `${supi}|encOpcKey`) }, '/encOpcKey'],
      [
        { encOpcKey: sealHere(t.config.transportKey.key, randomBytes(15), `${supi}|encOpcKey`) },
        '/encOpcKey',
      ],
      [{ encPermanentKey: 'v1.AAAA' }, '/encPermanentKey'],
    ];
    for (const [change, param] of cases) {
      const r = await put(supi, { ...good, ...change });
      expect(r.statusCode, param).toBe(400);
      const p = r.json();
      expect(p.cause).toBe('MANDATORY_IE_INCORRECT');
      expect(p.invalidParams.map((i: { param: string }) => i.param)).toEqual([param]);
      expect(r.body.toLowerCase()).not.toContain(v.k.toString('hex'));
      expect(r.body.toLowerCase()).not.toContain(v.opc.toString('hex'));
    }
    expect(await rawRow(supi)).toBeUndefined();
  });

  test('bad SUPI, AMF, SQN, method, algorithm or fields are 400 with a cause', async () => {
    const supi = newSupi();
    const v = fresh();
    for (const bad of [
      'imsi-1234',
      'imsi-1234567890123456',
      'imsi-00101abc',
      'msisdn-0010100001',
      'nai-nobody',
      'nai-user@nodot',
      'home-network-key',
    ]) {
      const r = await put(bad, body(bad, v));
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().cause, bad).toBe('MANDATORY_IE_INCORRECT');
      expect((await get(bad)).json().cause, bad).toBe('MANDATORY_IE_INCORRECT');
      expect((await del(bad)).statusCode, bad).toBe(400);
    }
    const changes: [Record<string, unknown>, string][] = [
      [{ authenticationManagementField: '80000' }, '/authenticationManagementField'],
      [{ authenticationManagementField: 'zz00' }, '/authenticationManagementField'],
      [
        { sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: '00000000002' } },
        '/sequenceNumber/sqn',
      ],
      [
        { sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: '00000000002g' } },
        '/sequenceNumber/sqn',
      ],
      [
        { sequenceNumber: { sqnScheme: 'TIME_BASED', sqn: '000000000020' } },
        '/sequenceNumber/sqnScheme',
      ],
      [{ authenticationMethod: 'EAP_TLS' }, '/authenticationMethod'],
      [{ algorithmId: 'tuak' }, '/algorithmId'],
      [{ notAfter: 'tomorrow' }, '/notAfter'],
      [{ notAfter: '2027-02-30' }, '/notAfter'],
      // The form of a date-time, a day that does not exist (Date.parse would make it 2 March).
      [{ notAfter: '2027-02-30T00:00:00Z' }, '/notAfter'],
      [{ notAfter: '2027-01-01T24:00:00Z' }, '/notAfter'],
      [{ notAfter: 1767225600 }, '/notAfter'],
      [{ k: '00112233445566778899aabbccddeeff' }, ''],
    ];
    for (const [change, param] of changes) {
      const r = await put(supi, body(supi, v, change));
      expect(r.statusCode, param).toBe(400);
      const p = r.json();
      expect(p.cause, param).toBe('MANDATORY_IE_INCORRECT');
      expect(p.invalidParams.length, param).toBeGreaterThan(0);
      if (param) expect(JSON.stringify(p.invalidParams), param).toContain(param);
    }
    const missing = body(supi, v) as Record<string, unknown>;
    delete missing.encOpcKey;
    const r = await put(supi, missing);
    expect(r.statusCode).toBe(400);
    expect(r.json().cause).toBe('MANDATORY_IE_MISSING');
    const notJson = await t.udm.app.inject({
      method: 'PUT',
      url: `/nudm-cp/v1/${supi}`,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"authenticationMethod":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().cause).toBe('INVALID_MSG_FORMAT');
    expect(await rawRow(supi)).toBeUndefined();
  });

  test('the service itself refuses bad input too (callers without HTTP)', async () => {
    const supi = newSupi();
    const b = body(supi, fresh(), { authenticationManagementField: '8' });
    await expect(
      t.udm.subscriptions.put(supi, b as Parameters<typeof t.udm.subscriptions.put>[1]),
    ).rejects.toMatchObject({ problem: { status: 400, cause: 'MANDATORY_IE_INCORRECT' } });
    const late = body(supi, fresh(), { notAfter: 'next week' });
    await expect(
      t.udm.subscriptions.put(supi, late as Parameters<typeof t.udm.subscriptions.put>[1]),
    ).rejects.toMatchObject({
      problem: { status: 400, invalidParams: [{ param: '/notAfter' }] },
    });
    await expect(t.udm.subscriptions.get('imsi-12')).rejects.toMatchObject({
      problem: { status: 400 },
    });
  });

  test('no bearer or a wrong one is 401 on every route', async () => {
    const supi = newSupi();
    const requests = [
      { method: 'PUT' as const, url: `/nudm-cp/v1/${supi}`, payload: body(supi, fresh()) },
      { method: 'GET' as const, url: `/nudm-cp/v1/${supi}` },
      { method: 'DELETE' as const, url: `/nudm-cp/v1/${supi}` },
      { method: 'GET' as const, url: '/nudm-cp/v1/home-network-keys' },
    ];
    for (const headers of [{}, { authorization: 'Bearer not-the-admin-token-at-all' }]) {
      for (const req of requests) {
        const r = await t.udm.app.inject({ ...req, headers });
        expect(r.statusCode, `${req.method} ${req.url}`).toBe(401);
        expect(r.json().cause).toBe('UNAUTHORIZED');
      }
    }
    expect(await rawRow(supi)).toBeUndefined();
  });

  test('writes are logged at info with the SUPI, never K or OPc', async () => {
    const info = vi.spyOn(t.udm.app.log, 'info');
    try {
      const supi = newSupi();
      const v = fresh();
      const b = body(supi, v);
      await put(supi, b);
      await put(supi, body(supi, fresh()));
      await del(supi);
      const calls = info.mock.calls.map((c) => JSON.stringify(c));
      const ours = calls.filter((c) => c.includes('authentication subscription'));
      expect(ours).toHaveLength(3);
      for (const c of ours) expect(c).toContain(`"supi":"${supi}"`);
      expect(ours.map((c) => /"result":"(\w+)"/.exec(c)?.[1])).toEqual([
        'created',
        'replaced',
        'deleted',
      ]);
      // K and OPc in clear nowhere (the request objects Fastify hands its logger included);
      // in our lines not even sealed.
      for (const c of calls) {
        for (const secret of [v.k.toString('hex'), v.opc.toString('hex')]) {
          expect(c.toLowerCase()).not.toContain(secret);
        }
      }
      for (const c of ours) {
        expect(c).not.toContain(b.encPermanentKey);
        expect(c).not.toContain(b.encOpcKey);
      }
    } finally {
      info.mockRestore();
    }
  });

  test('concurrent first PUTs of one SUPI: exactly one creates', async () => {
    const supi = newSupi();
    const v = fresh();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => put(supi, body(supi, v)).then((r) => r.statusCode)),
    );
    expect(results.filter((s) => s === 201)).toHaveLength(1);
    expect(results.filter((s) => s === 200)).toHaveLength(5);
  });
});
