// Credentials pre-configured per UEID (the operator imports them, one by one or in bulk), for
// devices a policy rule provisions with `supi: preconfigured`. K and OPc are sealed under the
// KEK at rest and never returned; each set is used by one onboarding.
import { isNaiRealm, isNaiUsername } from '../../lib/aka/supi.js';
import { fromHex } from '../../lib/bytes.js';
import { seal } from '../../lib/seal.js';
import { problem, type InvalidParam } from '../../sbi/problem-details.js';
import { writeTransaction, type PreconfiguredTable, type PsStore } from './store.js';
import { checkUeidHex } from '../../sbi/ueid-param.js';

export interface PreconfiguredInput {
  supi: string;
  /** 32 hex */
  k: string;
  /** 32 hex */
  opc: string;
  /** 4 hex; default: the configuration's */
  amf?: string;
  /** 12 hex; default: the configuration's */
  sqn?: string;
}

export interface PreconfiguredRecord {
  ueid: string;
  supi: string;
  amf?: string;
  sqn?: string;
  used: boolean;
  sessionId?: string;
  createdAt: string;
  updatedAt: string;
}

const MAX_BATCH = 10_000;

export function preconfiguredAad(ueid: string, what: 'k' | 'opc'): string {
  return `ps.preconfigured.${what}:${ueid}`;
}

/** Why a SUPI string is not acceptable, or undefined. */
export function supiProblem(supi: string): string | undefined {
  if (/^imsi-[0-9]{6,15}$/.test(supi)) return undefined;
  const nai = /^nai-([^@]+)@(.+)$/.exec(supi);
  if (nai && isNaiUsername(nai[1]!) && isNaiRealm(nai[2]!)) return undefined;
  return 'imsi-<6 to 15 digits> or nai-<username>@<realm>';
}

export class PreconfiguredCredentials {
  constructor(
    private readonly store: PsStore,
    private readonly kek: Uint8Array,
    private readonly clock: () => number,
  ) {}

  /** PUT: create or replace the UEID's credentials (replacing makes them unused again). */
  async put(
    ueid: string,
    input: PreconfiguredInput,
  ): Promise<{ created: boolean; record: PreconfiguredRecord }> {
    checkUeidHex(ueid);
    const why = inputProblem(input);
    if (why) throw problem(400, 'MANDATORY_IE_INCORRECT', why.reason ?? 'invalid', [why]);
    return writeTransaction(this.store, async (trx) => {
      const now = new Date(this.clock()).toISOString();
      const conflict = await this.#supiConflict(trx, ueid, input.supi);
      if (conflict) throw problem(409, 'SUPI_ALREADY_ISSUED', conflict);
      const existing = await trx
        .selectFrom('preconfigured')
        .select('created_at')
        .where('ueid', '=', ueid)
        .executeTakeFirst();
      const row = this.#row(ueid, input, existing?.created_at ?? now, now);
      if (existing)
        await trx.updateTable('preconfigured').set(row).where('ueid', '=', ueid).execute();
      else await trx.insertInto('preconfigured').values(row).execute();
      return { created: !existing, record: toRecord(row) };
    });
  }

  async get(ueid: string): Promise<PreconfiguredRecord> {
    checkUeidHex(ueid);
    const row = await this.store.db
      .selectFrom('preconfigured')
      .selectAll()
      .where('ueid', '=', ueid)
      .executeTakeFirst();
    if (!row) throw notFound(ueid);
    return toRecord(row);
  }

  async delete(ueid: string): Promise<void> {
    checkUeidHex(ueid);
    const result = await this.store.db
      .deleteFrom('preconfigured')
      .where('ueid', '=', ueid)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound(ueid);
  }

  /** Imports a batch, all or nothing, with one invalidParams entry per bad line. */
  async importBatch(
    items: (PreconfiguredInput & { ueid: string })[],
  ): Promise<{ imported: number }> {
    if (items.length > MAX_BATCH) {
      throw problem(400, 'BATCH_TOO_LARGE', `a batch holds at most ${MAX_BATCH} entries`);
    }
    const errors: InvalidParam[] = [];
    const ueids = new Set<string>();
    const supis = new Set<string>();
    items.forEach((item, i) => {
      try {
        checkUeidHex(item.ueid);
      } catch {
        errors.push({ param: `/credentials/${i}/ueid`, reason: 'not a UEID in lower-case hex' });
      }
      const why = inputProblem(item);
      if (why) errors.push({ ...why, param: `/credentials/${i}${why.param}` });
      if (ueids.has(item.ueid))
        errors.push({ param: `/credentials/${i}/ueid`, reason: 'appears earlier in the batch' });
      if (supis.has(item.supi))
        errors.push({ param: `/credentials/${i}/supi`, reason: 'appears earlier in the batch' });
      ueids.add(item.ueid);
      supis.add(item.supi);
    });
    return writeTransaction(this.store, async (trx) => {
      const now = new Date(this.clock()).toISOString();
      if (errors.length === 0) {
        for (const [i, item] of items.entries()) {
          const conflict = await this.#supiConflict(trx, item.ueid, item.supi);
          if (conflict) errors.push({ param: `/credentials/${i}/supi`, reason: conflict });
        }
      }
      if (errors.length > 0) {
        throw problem(
          400,
          'BATCH_REJECTED',
          `${errors.length} problem(s) in the batch; nothing was imported`,
          errors,
        );
      }
      for (const item of items) {
        const row = this.#row(item.ueid, item, now, now);
        await trx
          .insertInto('preconfigured')
          .values(row)
          .onConflict((oc) =>
            oc.column('ueid').doUpdateSet({
              supi: row.supi,
              k_sealed: row.k_sealed,
              opc_sealed: row.opc_sealed,
              amf: row.amf,
              sqn: row.sqn,
              used_by_session: null,
              updated_at: now,
            }),
          )
          .execute();
      }
      return { imported: items.length };
    });
  }

  /** Why this SUPI cannot be pre-configured for this UEID, or undefined. */
  async #supiConflict(trx: PsStore['db'], ueid: string, supi: string): Promise<string | undefined> {
    const issued = await trx
      .selectFrom('supis')
      .select('supi')
      .where('supi', '=', supi)
      .executeTakeFirst();
    if (issued) return `${supi} was issued before; a SUPI is never issued twice`;
    const other = await trx
      .selectFrom('preconfigured')
      .select('ueid')
      .where('supi', '=', supi)
      .where('ueid', '!=', ueid)
      .executeTakeFirst();
    if (other) return `${supi} is pre-configured for another UEID`;
    return undefined;
  }

  #row(
    ueid: string,
    input: PreconfiguredInput,
    createdAt: string,
    now: string,
  ): PreconfiguredTable {
    return {
      ueid,
      supi: input.supi,
      k_sealed: seal(this.kek, fromHex(input.k), preconfiguredAad(ueid, 'k')),
      opc_sealed: seal(this.kek, fromHex(input.opc), preconfiguredAad(ueid, 'opc')),
      amf: input.amf?.toLowerCase() ?? null,
      sqn: input.sqn?.toLowerCase() ?? null,
      used_by_session: null,
      created_at: createdAt,
      updated_at: now,
    };
  }
}

function inputProblem(input: PreconfiguredInput): InvalidParam | undefined {
  const supi = supiProblem(input.supi);
  if (supi) return { param: '/supi', reason: `expected ${supi}` };
  if (!/^[0-9a-fA-F]{32}$/.test(input.k)) return { param: '/k', reason: 'expected 32 hex digits' };
  if (!/^[0-9a-fA-F]{32}$/.test(input.opc))
    return { param: '/opc', reason: 'expected 32 hex digits' };
  if (input.amf !== undefined && !/^[0-9a-fA-F]{4}$/.test(input.amf))
    return { param: '/amf', reason: 'expected 4 hex digits' };
  if (input.sqn !== undefined && !/^[0-9a-fA-F]{12}$/.test(input.sqn))
    return { param: '/sqn', reason: 'expected 12 hex digits' };
  return undefined;
}

function notFound(ueid: string) {
  return problem(
    404,
    'PRECONFIGURED_CREDENTIALS_NOT_FOUND',
    `no credentials are pre-configured for UEID ${ueid}`,
  );
}

function toRecord(row: PreconfiguredTable): PreconfiguredRecord {
  return {
    ueid: row.ueid,
    supi: row.supi,
    ...(row.amf !== null ? { amf: row.amf } : {}),
    ...(row.sqn !== null ? { sqn: row.sqn } : {}),
    used: row.used_by_session !== null,
    ...(row.used_by_session !== null ? { sessionId: row.used_by_session } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
