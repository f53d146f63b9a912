// The endorsement side of the DCS: the manufacturer's or operator's record of each device (its
// UEID and attestation key material) and of each device class's reference values. Everything
// written can be read back, listed and removed; a symmetric AKM is sealed at rest and never
// returned, only its kind and thumbprint.
import { createPublicKey, createSecretKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Transaction } from 'kysely';
import { isBase64url, toBase64url } from '../../lib/bytes.js';
import { seal, unseal } from '../../lib/seal.js';
import { problem, type InvalidParam } from '../../sbi/problem-details.js';
import { auditTimestamp } from '../../store/audit-clock.js';
import { auditRecordId } from '../../store/audit-id.js';
import { batchInserter } from '../../store/batch-insert.js';
import { GroupCommit } from '../../store/group-commit.js';
import { SqliteCommittedReader } from '../../store/sqlite-committed-reader.js';
import { SqliteWriterThread } from '../../store/sqlite-writer-thread.js';
import type { AppraisalsTable, DcsDatabase, DcsStore, DevicesTable } from './store.js';
import { checkUeidHex } from '../../sbi/ueid-param.js';

export interface DeviceInput {
  akm: JWK;
  deviceClass: string;
  /** hex */
  oemid?: string;
  /** hex */
  hwmodel?: string;
}

/** What the API returns for a device: a public AKM in full, a secret one by kind and thumbprint. */
export interface DeviceRecord {
  ueid: string;
  akm: JWK & { thumbprint: string };
  deviceClass: string;
  oemid?: string;
  hwmodel?: string;
  revoked: boolean;
  revokedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** What the appraisal needs: the AKM itself, secret included. Never leaves the DCS. */
export interface EndorsedDevice {
  ueid: string;
  akm: JWK;
  deviceClass: string;
  oemid?: string;
  hwmodel?: string;
  revoked: boolean;
}

export interface ReferenceValues {
  /** accepted software versions, matched against the first element of swversion */
  swversions?: string[];
  /** oemboot must be true */
  requireOemboot?: boolean;
  /** accepted dbgstat values */
  dbgstat?: number[];
  /** accepted measurements: content type and content (hex) */
  measurements?: { contentType: number; content: string }[];
}

/** One audit record: what an appraisal of this UEID decided, and why. */
export interface AppraisalRecord {
  id: string;
  ueid: string;
  status: string;
  trustworthinessVector: Record<string, number>;
  appraisalPolicyId: string;
  detail: string;
  appraisedAt: string;
}

export interface DeviceList {
  items: DeviceRecord[];
  /** pass as `cursor` for the next page; absent on the last page */
  nextCursor?: string;
}

const MAX_BATCH = 10_000;
const aadFor = (ueid: string) => `dcs.devices.akm:${ueid}`;

/** Why an AKM JWK is unacceptable, or undefined. Keys are imported, so bad points are refused. */
export function akmProblem(akm: unknown): string | undefined {
  if (typeof akm !== 'object' || akm === null) return 'a JWK object';
  const jwk = akm as JWK;
  try {
    if (jwk.kty === 'EC') {
      if (jwk.crv !== 'P-256') return 'an EC key on P-256';
      if (jwk.d !== undefined) return 'a public key: the private part "d" must not be sent';
      if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string')
        return 'an EC key with "x" and "y"';
      createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
      return undefined;
    }
    if (jwk.kty === 'OKP') {
      if (jwk.crv !== 'Ed25519') return 'an OKP key on Ed25519';
      if (jwk.d !== undefined) return 'a public key: the private part "d" must not be sent';
      if (typeof jwk.x !== 'string') return 'an OKP key with "x"';
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      return undefined;
    }
    if (jwk.kty === 'oct') {
      if (typeof jwk.k !== 'string' || jwk.k === '' || !isBase64url(jwk.k)) {
        return 'an oct key with "k"';
      }
      const bytes = Buffer.from(jwk.k, 'base64url').length;
      if (bytes < 32 || bytes > 64) return 'an HMAC secret of 32 to 64 bytes';
      createSecretKey(Buffer.from(jwk.k, 'base64url'));
      return undefined;
    }
  } catch {
    return 'a valid key: this one does not import (not a point on the curve?)';
  }
  return 'a JWK of kty EC (P-256), OKP (Ed25519) or oct (HMAC secret)';
}

/** The key members only: what is stored, thumbprinted and used (after akmProblem passed). */
function canonicalAkm(jwk: JWK): JWK {
  const member = (m: string | undefined) => m as string;
  if (jwk.kty === 'EC') return { kty: 'EC', crv: 'P-256', x: member(jwk.x), y: member(jwk.y) };
  if (jwk.kty === 'OKP') return { kty: 'OKP', crv: 'Ed25519', x: member(jwk.x) };
  return { kty: 'oct', k: member(jwk.k) };
}

const AUDIT_COLUMNS = [
  'id',
  'ueid',
  'status',
  'trustworthiness_vector',
  'policy_id',
  'detail',
  'appraised_at',
] as const satisfies readonly (keyof AppraisalsTable)[];

export class EndorsementService {
  /** Appraisal records are group-committed: one transaction per turn of the event loop. */
  readonly #auditTrail: GroupCommit<AppraisalsTable>;
  /** On SQLite, the audit trail's commits run on a thread of their own (see the module). */
  readonly #auditWriter: SqliteWriterThread<AppraisalsTable> | undefined;
  /**
   * Endorsements change seldom and every appraisal reads them, so appraisals read them from
   * here. Every write advances the endorsement_version counter in its own transaction; an
   * appraisal reads the counter first and drops the cache when it moved, also when another
   * process of the DCS made the change.
   */
  readonly #cache = {
    version: -1,
    devices: new Map<string, EndorsedDevice | null>(),
    classes: new Map<string, ReferenceValues | null>(),
  };
  /** the counter's current value: a prepared statement on SQLite, a Kysely query on PostgreSQL */
  readonly #readVersion: () => Promise<number> | number;
  readonly #versionReader: SqliteCommittedReader | undefined;

  constructor(
    private readonly store: DcsStore,
    private readonly kek: Uint8Array,
  ) {
    const readVersion = store.db
      .selectFrom('endorsement_version')
      .select('version')
      .where('id', '=', 1)
      .compile();
    if (store.sqlite) {
      const reader = new SqliteCommittedReader(store.sqlite.file);
      this.#versionReader = reader;
      this.#readVersion = () =>
        reader.get<{ version: number }>(readVersion.sql, ...readVersion.parameters)?.version ?? 0;
      const writer = new SqliteWriterThread({
        ...store.sqlite,
        table: 'appraisals',
        columns: AUDIT_COLUMNS,
      });
      this.#auditWriter = writer;
      this.#auditTrail = new GroupCommit((rows) => writer.insert(rows));
    } else {
      this.#readVersion = async () =>
        (await store.db.executeQuery(readVersion)).rows[0]?.version ?? 0;
      // One multi-row INSERT is one atomic statement: the batch commits whole or not at all.
      this.#auditTrail = new GroupCommit(batchInserter(store.db, 'appraisals', AUDIT_COLUMNS));
    }
  }

  /** Waits for the audit records already taken to commit, then stops the audit writer. */
  async close(): Promise<void> {
    await this.#auditTrail.flushed();
    await this.#auditWriter?.close();
    this.#versionReader?.close();
  }

  /** PUT: create or replace. Replacing keeps the creation time and the revocation state. */
  async putDevice(
    ueid: string,
    input: DeviceInput,
  ): Promise<{ created: boolean; record: DeviceRecord }> {
    checkUeidHex(ueid);
    const row = await this.#rowFor(ueid, input, '/akm');
    const { db } = this.store;
    return db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('devices')
        .selectAll()
        .where('ueid', '=', ueid)
        .executeTakeFirst();
      if (existing) {
        await trx
          .updateTable('devices')
          .set({ ...row, created_at: existing.created_at, revoked_at: existing.revoked_at })
          .where('ueid', '=', ueid)
          .execute();
      } else {
        await trx.insertInto('devices').values(row).execute();
      }
      await endorsementsChanged(trx);
      const stored = await trx
        .selectFrom('devices')
        .selectAll()
        .where('ueid', '=', ueid)
        .executeTakeFirstOrThrow();
      return { created: !existing, record: await toRecord(stored) };
    });
  }

  async getDevice(ueid: string): Promise<DeviceRecord> {
    checkUeidHex(ueid);
    const row = await this.store.db
      .selectFrom('devices')
      .selectAll()
      .where('ueid', '=', ueid)
      .executeTakeFirst();
    if (!row) throw deviceNotFound(ueid);
    return toRecord(row);
  }

  async deleteDevice(ueid: string): Promise<void> {
    checkUeidHex(ueid);
    const deleted = await this.store.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('devices').where('ueid', '=', ueid).executeTakeFirst();
      await endorsementsChanged(trx);
      return result.numDeletedRows > 0n;
    });
    if (!deleted) throw deviceNotFound(ueid);
  }

  /** Revocation is permanent for this record: its Evidence appraises as contraindicated. */
  async revokeDevice(ueid: string): Promise<DeviceRecord> {
    checkUeidHex(ueid);
    const now = new Date().toISOString();
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('devices')
        .set({ revoked_at: now, updated_at: now })
        .where('ueid', '=', ueid)
        .where('revoked_at', 'is', null)
        .execute();
      await endorsementsChanged(trx);
    });
    return this.getDevice(ueid);
  }

  async listDevices(query: {
    deviceClass?: string;
    revoked?: boolean;
    limit?: number;
    cursor?: string;
  }): Promise<DeviceList> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    let q = this.store.db
      .selectFrom('devices')
      .selectAll()
      .orderBy('ueid')
      .limit(limit + 1);
    if (query.deviceClass !== undefined) q = q.where('device_class', '=', query.deviceClass);
    if (query.revoked === true) q = q.where('revoked_at', 'is not', null);
    if (query.revoked === false) q = q.where('revoked_at', 'is', null);
    if (query.cursor !== undefined) q = q.where('ueid', '>', query.cursor);
    const rows = await q.execute();
    const page = rows.slice(0, limit);
    const items = await Promise.all(page.map(toRecord));
    return rows.length > limit ? { items, nextCursor: page[page.length - 1]!.ueid } : { items };
  }

  /**
   * Imports a manufacturing batch: all or nothing. Every line is checked first; any problem
   * (bad UEID, bad AKM, a UEID twice in the batch or already endorsed) rejects the whole batch
   * with one invalidParams entry per line.
   */
  async importBatch(devices: (DeviceInput & { ueid: string })[]): Promise<{ imported: number }> {
    if (devices.length > MAX_BATCH) {
      throw problem(400, 'BATCH_TOO_LARGE', `a batch holds at most ${MAX_BATCH} devices`);
    }
    const errors: InvalidParam[] = [];
    const rows: DevicesTable[] = [];
    const seen = new Set<string>();
    for (const [i, device] of devices.entries()) {
      try {
        checkUeidHex(device.ueid);
        if (seen.has(device.ueid))
          throw problem(400, 'UEID_DUPLICATE', 'this UEID appears earlier in the batch');
        seen.add(device.ueid);
        rows.push(await this.#rowFor(device.ueid, device, `/devices/${i}/akm`));
      } catch (err) {
        const p = (err as { problem?: { detail?: string; invalidParams?: InvalidParam[] } })
          .problem;
        if (!p) throw err;
        errors.push(
          ...(p.invalidParams ?? [{ param: `/devices/${i}/ueid`, reason: p.detail ?? 'invalid' }]),
        );
      }
    }
    const { db } = this.store;
    return db.transaction().execute(async (trx) => {
      const existing = new Set<string>();
      const ueids = rows.map((r) => r.ueid);
      for (let i = 0; i < ueids.length; i += 500) {
        const found = await trx
          .selectFrom('devices')
          .select('ueid')
          .where('ueid', 'in', ueids.slice(i, i + 500))
          .execute();
        for (const f of found) existing.add(f.ueid);
      }
      devices.forEach((d, i) => {
        if (existing.has(d.ueid))
          errors.push({ param: `/devices/${i}/ueid`, reason: 'this UEID is endorsed already' });
      });
      if (errors.length > 0) {
        throw problem(
          400,
          'BATCH_REJECTED',
          `${errors.length} line(s) of the batch are invalid; nothing was imported`,
          errors,
        );
      }
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('devices')
          .values(rows.slice(i, i + 200))
          .execute();
      }
      await endorsementsChanged(trx);
      return { imported: rows.length };
    });
  }

  /**
   * What an appraisal of this UEID needs: the device (undefined when not endorsed) and its
   * class's reference values (undefined when it has none), as of this call.
   */
  async appraisalInputs(
    ueid: string,
  ): Promise<{ device?: EndorsedDevice; referenceValues?: ReferenceValues }> {
    const cache = this.#cache;
    const version = await this.#readVersion();
    if (version !== cache.version || cache.devices.size > CACHE_ENTRIES) {
      cache.devices.clear();
      cache.classes.clear();
      cache.version = version;
    }
    let device = cache.devices.get(ueid);
    if (device === undefined) {
      device = (await this.endorsedDevice(ueid)) ?? null;
      cache.devices.set(ueid, device);
    }
    if (!device) return {};
    let referenceValues = cache.classes.get(device.deviceClass);
    if (referenceValues === undefined) {
      referenceValues = (await this.referenceValues(device.deviceClass)) ?? null;
      cache.classes.set(device.deviceClass, referenceValues);
    }
    return referenceValues ? { device, referenceValues } : { device };
  }

  /** The AKM with its secret, or undefined for an unknown UEID; read from the store. */
  async endorsedDevice(ueid: string): Promise<EndorsedDevice | undefined> {
    const row = await this.store.db
      .selectFrom('devices')
      .selectAll()
      .where('ueid', '=', ueid)
      .executeTakeFirst();
    if (!row) return undefined;
    const akm: JWK =
      row.akm_sealed !== null
        ? {
            kty: 'oct',
            k: toBase64url(unseal(this.kek, row.akm_sealed, aadFor(ueid))),
          }
        : (JSON.parse(row.akm_public!) as JWK);
    return {
      ueid,
      akm,
      deviceClass: row.device_class,
      ...(row.oemid !== null ? { oemid: row.oemid } : {}),
      ...(row.hwmodel !== null ? { hwmodel: row.hwmodel } : {}),
      revoked: row.revoked_at !== null,
    };
  }

  /** Records an appraisal (every one, also of UEIDs not endorsed) in the audit trail. */
  async recordAppraisal(
    record: Omit<AppraisalRecord, 'id' | 'appraisedAt'>,
  ): Promise<AppraisalRecord> {
    const full: AppraisalRecord = {
      id: auditRecordId(),
      appraisedAt: auditTimestamp(),
      ...record,
    };
    await this.#auditTrail.add({
      id: full.id,
      ueid: full.ueid,
      status: full.status,
      trustworthiness_vector: JSON.stringify(full.trustworthinessVector),
      policy_id: full.appraisalPolicyId,
      detail: full.detail,
      appraised_at: full.appraisedAt,
    });
    return full;
  }

  /** The audit trail of one UEID, newest first. */
  async appraisalsOf(ueid: string, limit = 100): Promise<AppraisalRecord[]> {
    checkUeidHex(ueid);
    const rows = await this.store.db
      .selectFrom('appraisals')
      .selectAll()
      .where('ueid', '=', ueid)
      .orderBy('appraised_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(limit, 1), 1000))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      ueid: r.ueid,
      status: r.status,
      trustworthinessVector: JSON.parse(r.trustworthiness_vector) as Record<string, number>,
      appraisalPolicyId: r.policy_id,
      detail: r.detail,
      appraisedAt: r.appraised_at,
    }));
  }

  async putClass(name: string, values: ReferenceValues): Promise<{ created: boolean }> {
    const { db } = this.store;
    const now = new Date().toISOString();
    return db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('classes')
        .select('name')
        .where('name', '=', name)
        .executeTakeFirst();
      const row = { name, reference_values: JSON.stringify(values), updated_at: now };
      if (existing) await trx.updateTable('classes').set(row).where('name', '=', name).execute();
      else await trx.insertInto('classes').values(row).execute();
      await endorsementsChanged(trx);
      return { created: !existing };
    });
  }

  /** Reference values of a class, or undefined when it has none (appraisal on identity alone). */
  async referenceValues(name: string): Promise<ReferenceValues | undefined> {
    const row = await this.store.db
      .selectFrom('classes')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? (JSON.parse(row.reference_values) as ReferenceValues) : undefined;
  }

  async getClass(
    name: string,
  ): Promise<ReferenceValues & { deviceClass: string; updatedAt: string }> {
    const row = await this.store.db
      .selectFrom('classes')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw problem(404, 'CLASS_NOT_FOUND', `no reference values for device class ${name}`);
    return {
      deviceClass: name,
      ...(JSON.parse(row.reference_values) as ReferenceValues),
      updatedAt: row.updated_at,
    };
  }

  async deleteClass(name: string): Promise<void> {
    const deleted = await this.store.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('classes').where('name', '=', name).executeTakeFirst();
      await endorsementsChanged(trx);
      return result.numDeletedRows > 0n;
    });
    if (!deleted)
      throw problem(404, 'CLASS_NOT_FOUND', `no reference values for device class ${name}`);
  }

  async #rowFor(ueid: string, input: DeviceInput, akmParam: string): Promise<DevicesTable> {
    const why = akmProblem(input.akm);
    if (why)
      throw problem(400, 'AKM_INVALID', `the AKM must be ${why}`, [
        { param: akmParam, reason: `expected ${why}` },
      ]);
    const akm = canonicalAkm(input.akm);
    const now = new Date().toISOString();
    const secret = akm.kty === 'oct';
    return {
      ueid,
      akm_kty: akm.kty!,
      akm_public: secret ? null : JSON.stringify(akm),
      akm_sealed: secret ? seal(this.kek, Buffer.from(akm.k!, 'base64url'), aadFor(ueid)) : null,
      akm_thumbprint: await calculateJwkThumbprint(akm, 'sha256'),
      device_class: input.deviceClass,
      oemid: input.oemid ?? null,
      hwmodel: input.hwmodel ?? null,
      revoked_at: null,
      created_at: now,
      updated_at: now,
    };
  }
}

/** Bounds the appraisal cache; past it, the cache starts over. */
const CACHE_ENTRIES = 100_000;

/** Part of every endorsement write's transaction: appraisal caches everywhere see the change. */
async function endorsementsChanged(trx: Transaction<DcsDatabase>): Promise<void> {
  await trx
    .updateTable('endorsement_version')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

function deviceNotFound(ueid: string) {
  return problem(404, 'UEID_UNKNOWN', `no device is endorsed with UEID ${ueid}`);
}

async function toRecord(row: DevicesTable): Promise<DeviceRecord> {
  const publicAkm = row.akm_public !== null ? (JSON.parse(row.akm_public) as JWK) : { kty: 'oct' };
  return {
    ueid: row.ueid,
    akm: { ...publicAkm, thumbprint: row.akm_thumbprint },
    deviceClass: row.device_class,
    ...(row.oemid !== null ? { oemid: row.oemid } : {}),
    ...(row.hwmodel !== null ? { hwmodel: row.hwmodel } : {}),
    revoked: row.revoked_at !== null,
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
