import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EndorsementService } from '../../../src/nf/dcs/endorsements.js';
import { ENDORSEMENTS_PREFIX, endorsementRoutes } from '../../../src/nf/dcs/routes-endorsements.js';
import { openDcsStore, type DcsStore } from '../../../src/nf/dcs/store.js';
import { createSbiServer } from '../../../src/sbi/server.js';
import type { StoreConfig } from '../../../src/store/store-config.js';
import { dropSchemas, PG_URL, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';

const TOKEN = 'endorsement-admin-token-for-tests';
const auth = { authorization: `Bearer ${TOKEN}` };
const dataDir = mkdtempSync(join(tmpdir(), 'npn-dcs-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

function ecPublicJwk(): JWK {
  return generateJwkPair('P-256').publicJwk;
}
/** A RAND UEID: type byte 0x01 and 16 random bytes, as lower-case hex. */
function randomUeid(): string {
  return `01${randomBytes(16).toString('hex')}`;
}
/** RFC 7638 thumbprint of an EC key, computed here from the RFC's rule. */
function ecThumbprint(jwk: JWK): string {
  const json = `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(json).digest('base64url');
}

describe.each<[string, () => StoreConfig]>([
  ['SQLite', () => ({ kind: 'sqlite', dataDir })],
  ['PostgreSQL', () => ({ kind: 'postgres', url: PG_URL, schemaPrefix: prefix })],
])('endorsement API on %s', (_name, config) => {
  let store: DcsStore;
  let service: EndorsementService;
  const app = createSbiServer({ name: 'dcs' });
  const kek = new Uint8Array(randomBytes(32));

  beforeAll(async () => {
    store = await openDcsStore(config());
    service = new EndorsementService(store, kek);
    await app.register(endorsementRoutes, {
      prefix: ENDORSEMENTS_PREFIX,
      service,
      adminToken: TOKEN,
    });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const put = (ueid: string, body: object) =>
    app.inject({
      method: 'PUT',
      url: `${ENDORSEMENTS_PREFIX}/devices/${ueid}`,
      headers: auth,
      payload: body,
    });
  const get = (path: string) =>
    app.inject({ method: 'GET', url: `${ENDORSEMENTS_PREFIX}${path}`, headers: auth });

  test('create, replace, read, revoke, delete a device with a public AKM', async () => {
    const ueid = randomUeid();
    const akm = ecPublicJwk();
    const created = await put(ueid, {
      akm,
      deviceClass: 'sensor-v1',
      oemid: 'a1b2c3',
      hwmodel: '0102',
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`${ENDORSEMENTS_PREFIX}/devices/${ueid}`);
    const record = created.json();
    expect(record).toMatchObject({
      ueid,
      akm: { kty: 'EC', crv: 'P-256', x: akm.x, y: akm.y, thumbprint: ecThumbprint(akm) },
      deviceClass: 'sensor-v1',
      oemid: 'a1b2c3',
      hwmodel: '0102',
      revoked: false,
    });

    const replaced = await put(ueid, { akm, deviceClass: 'sensor-v2' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({
      deviceClass: 'sensor-v2',
      createdAt: record.createdAt,
    });
    expect(replaced.json().oemid).toBeUndefined();

    const revoked = await app.inject({
      method: 'POST',
      url: `${ENDORSEMENTS_PREFIX}/devices/${ueid}/revocation`,
      headers: auth,
    });
    expect(revoked.json()).toMatchObject({ revoked: true });
    expect((await service.endorsedDevice(ueid))?.revoked).toBe(true);

    const del = await app.inject({
      method: 'DELETE',
      url: `${ENDORSEMENTS_PREFIX}/devices/${ueid}`,
      headers: auth,
    });
    expect(del.statusCode).toBe(204);
    const gone = await get(`/devices/${ueid}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ cause: 'UEID_UNKNOWN' });
  });

  test('a symmetric AKM is sealed at rest and never returned, but the appraisal gets it', async () => {
    const ueid = randomUeid();
    const secret = randomBytes(32).toString('base64url');
    const r = await put(ueid, { akm: { kty: 'oct', k: secret }, deviceClass: 'tracker' });
    expect(r.statusCode).toBe(201);
    expect(r.body).not.toContain(secret);
    expect(r.json().akm).toEqual({ kty: 'oct', thumbprint: expect.any(String) });
    expect((await get(`/devices/${ueid}`)).body).not.toContain(secret);
    const row = await store.db
      .selectFrom('devices')
      .selectAll()
      .where('ueid', '=', ueid)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.akm_public).toBeNull();
    expect((await service.endorsedDevice(ueid))?.akm).toEqual({ kty: 'oct', k: secret });
  });

  test.each([
    [
      'a UEID of unknown type',
      '09' + '00'.repeat(16),
      { akm: ecPublicJwk(), deviceClass: 'x' },
      'UEID_INVALID',
    ],
    [
      'a RAND UEID of the wrong length',
      '01' + '00'.repeat(10),
      { akm: ecPublicJwk(), deviceClass: 'x' },
      'UEID_INVALID',
    ],
    [
      'upper-case hex',
      '01' + 'AB'.repeat(16),
      { akm: ecPublicJwk(), deviceClass: 'x' },
      'UEID_INVALID',
    ],
    [
      'a private key',
      randomUeid(),
      { akm: { ...ecPublicJwk(), d: 'AAAA' }, deviceClass: 'x' },
      'AKM_INVALID',
    ],
    [
      'a point off the curve',
      randomUeid(),
      { akm: { ...ecPublicJwk(), y: Buffer.alloc(32, 1).toString('base64url') }, deviceClass: 'x' },
      'AKM_INVALID',
    ],
    [
      'a short HMAC secret',
      randomUeid(),
      { akm: { kty: 'oct', k: 'c2hvcnQ' }, deviceClass: 'x' },
      'AKM_INVALID',
    ],
    [
      'a bad class name',
      randomUeid(),
      { akm: ecPublicJwk(), deviceClass: 'no spaces' },
      'MANDATORY_IE_INCORRECT',
    ],
  ])('%s is refused with a cause', async (_n, ueid, body, cause) => {
    const r = await put(ueid, body);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ cause });
  });

  test('no token, no access', async () => {
    const r = await app.inject({ method: 'GET', url: `${ENDORSEMENTS_PREFIX}/devices` });
    expect(r.statusCode).toBe(401);
  });

  test('list pages through everything once, with filters', async () => {
    const cls = `paging-${randomBytes(3).toString('hex')}`;
    const ueids = Array.from({ length: 25 }, randomUeid);
    for (const u of ueids) await put(u, { akm: ecPublicJwk(), deviceClass: cls });
    await app.inject({
      method: 'POST',
      url: `${ENDORSEMENTS_PREFIX}/devices/${ueids[3]}/revocation`,
      headers: auth,
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await get(
        `/devices?deviceClass=${cls}&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = r.json();
      seen.push(...body.items.map((d: { ueid: string }) => d.ueid));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ueids].sort());
    const revoked = (await get(`/devices?deviceClass=${cls}&revoked=true`)).json();
    expect(revoked.items.map((d: { ueid: string }) => d.ueid)).toEqual([ueids[3]]);
  });

  test('a manufacturing batch imports all or nothing, with a report per line', async () => {
    const cls = `batch-${randomBytes(3).toString('hex')}`;
    const devices = Array.from({ length: 2000 }, () => ({
      ueid: randomUeid(),
      akm: ecPublicJwk(),
      deviceClass: cls,
    }));
    const ok = await app.inject({
      method: 'POST',
      url: `${ENDORSEMENTS_PREFIX}/device-batches`,
      headers: auth,
      payload: { devices },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ imported: 2000 });

    const fresh = randomUeid();
    const bad = [
      { ueid: fresh, akm: ecPublicJwk(), deviceClass: cls },
      { ueid: '0100', akm: ecPublicJwk(), deviceClass: cls },
      { ueid: fresh, akm: ecPublicJwk(), deviceClass: cls },
      { ueid: devices[0]!.ueid, akm: ecPublicJwk(), deviceClass: cls },
      { ueid: randomUeid(), akm: { kty: 'oct', k: 'AA' }, deviceClass: cls },
    ];
    const rejected = await app.inject({
      method: 'POST',
      url: `${ENDORSEMENTS_PREFIX}/device-batches`,
      headers: auth,
      payload: { devices: bad },
    });
    expect(rejected.statusCode).toBe(400);
    const body = rejected.json();
    expect(body.cause).toBe('BATCH_REJECTED');
    expect(body.invalidParams.map((p: { param: string }) => p.param).sort()).toEqual(
      ['/devices/1/ueid', '/devices/2/ueid', '/devices/3/ueid', '/devices/4/akm'].sort(),
    );
    expect((await get(`/devices/${fresh}`)).statusCode).toBe(404);
  });

  test('the audit trail records appraisals, also of UEIDs never endorsed, newest first', async () => {
    const ueid = randomUeid();
    const vector = { 'instance-identity': 97 };
    await service.recordAppraisal({
      ueid,
      status: 'contraindicated',
      trustworthinessVector: vector,
      appraisalPolicyId: 'p1',
      detail: 'UEID unknown',
    });
    await service.recordAppraisal({
      ueid,
      status: 'affirming',
      trustworthinessVector: { 'instance-identity': 2 },
      appraisalPolicyId: 'p1',
      detail: 'affirmed',
    });
    const r = await get(`/devices/${ueid}/appraisals`);
    expect(r.statusCode).toBe(200);
    const items = r.json().items;
    expect(items.map((i: { status: string }) => i.status)).toEqual([
      'affirming',
      'contraindicated',
    ]);
    expect(items[1]).toMatchObject({
      ueid,
      trustworthinessVector: vector,
      appraisalPolicyId: 'p1',
      detail: 'UEID unknown',
    });
    expect((await get(`/devices/${ueid}/appraisals?limit=1`)).json().items).toHaveLength(1);
  });

  test('reference values of a class: create, replace, read, delete', async () => {
    const path = `${ENDORSEMENTS_PREFIX}/classes/meter-v1`;
    const v1 = { swversions: ['1.4.2', '1.4.3'], requireOemboot: true, dbgstat: [1, 2, 3, 4] };
    const created = await app.inject({ method: 'PUT', url: path, headers: auth, payload: v1 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ deviceClass: 'meter-v1', ...v1 });
    const replaced = await app.inject({
      method: 'PUT',
      url: path,
      headers: auth,
      payload: { swversions: ['1.4.3'] },
    });
    expect(replaced.statusCode).toBe(200);
    expect(await service.referenceValues('meter-v1')).toEqual({ swversions: ['1.4.3'] });
    expect((await app.inject({ method: 'DELETE', url: path, headers: auth })).statusCode).toBe(204);
    const gone = await app.inject({ method: 'GET', url: path, headers: auth });
    expect(gone.json()).toMatchObject({ status: 404, cause: 'CLASS_NOT_FOUND' });
    const bad = await app.inject({
      method: 'PUT',
      url: path,
      headers: auth,
      payload: { dbgstat: [7] },
    });
    expect(bad.statusCode).toBe(400);
  });
});

// Appraisals read endorsements from a cache. Two services over one store stand for two processes
// of the DCS (`serve dcs --workers 2`): whatever one of them writes, the other's next appraisal
// inputs show, including a UEID it looked up before it was endorsed.
describe.each<[string, () => StoreConfig]>([
  ['SQLite', () => ({ kind: 'sqlite', dataDir: join(dataDir, 'cache') })],
  ['PostgreSQL', () => ({ kind: 'postgres', url: PG_URL, schemaPrefix: `${prefix}c` })],
])('appraisal inputs on %s, written by another process', (_name, config) => {
  const kek = new Uint8Array(randomBytes(32));
  let stores: DcsStore[];
  let reader: EndorsementService;
  let writer: EndorsementService;

  beforeAll(async () => {
    stores = [await openDcsStore(config()), await openDcsStore(config())];
    reader = new EndorsementService(stores[0]!, kek);
    writer = new EndorsementService(stores[1]!, kek);
  });
  afterAll(async () => {
    for (const service of [reader, writer]) await service.close();
    for (const store of stores) await store.close();
  });

  test('revocation, re-endorsement, deletion and new batches show at once', async () => {
    const ueid = randomUeid();
    const first = ecPublicJwk();
    await writer.putDevice(ueid, { akm: first, deviceClass: 'meter-v1' });
    expect((await reader.appraisalInputs(ueid)).device).toMatchObject({
      akm: first,
      revoked: false,
    });

    await writer.revokeDevice(ueid);
    expect((await reader.appraisalInputs(ueid)).device?.revoked).toBe(true);

    const second = ecPublicJwk();
    const other = randomUeid();
    await writer.putDevice(other, { akm: second, deviceClass: 'meter-v1' });
    expect((await reader.appraisalInputs(other)).device?.akm).toEqual(second);
    const third = ecPublicJwk();
    await writer.putDevice(other, { akm: third, deviceClass: 'meter-v1' });
    expect((await reader.appraisalInputs(other)).device?.akm).toEqual(third);

    await writer.deleteDevice(other);
    expect(await reader.appraisalInputs(other)).toEqual({});

    // Looked up while unknown, then endorsed in a batch.
    const later = randomUeid();
    expect(await reader.appraisalInputs(later)).toEqual({});
    await writer.importBatch([{ ueid: later, akm: ecPublicJwk(), deviceClass: 'meter-v1' }]);
    expect((await reader.appraisalInputs(later)).device?.ueid).toBe(later);
  });

  test("a class's reference values: set, changed and removed show at once", async () => {
    const ueid = randomUeid();
    await writer.putDevice(ueid, { akm: ecPublicJwk(), deviceClass: 'sensor-v2' });
    expect((await reader.appraisalInputs(ueid)).referenceValues).toBeUndefined();

    await writer.putClass('sensor-v2', { swversions: ['2.0.0', '2.0.1'] });
    expect((await reader.appraisalInputs(ueid)).referenceValues).toEqual({
      swversions: ['2.0.0', '2.0.1'],
    });
    await writer.putClass('sensor-v2', { swversions: ['2.0.1'] });
    expect((await reader.appraisalInputs(ueid)).referenceValues).toEqual({
      swversions: ['2.0.1'],
    });
    await writer.deleteClass('sensor-v2');
    expect((await reader.appraisalInputs(ueid)).referenceValues).toBeUndefined();
  });

  test("the reader's own writes show too", async () => {
    const ueid = randomUeid();
    await reader.putDevice(ueid, { akm: ecPublicJwk(), deviceClass: 'meter-v1' });
    expect((await reader.appraisalInputs(ueid)).device?.revoked).toBe(false);
    await reader.revokeDevice(ueid);
    expect((await reader.appraisalInputs(ueid)).device?.revoked).toBe(true);
  });
});
