// Credential generation for one accepted session, inside its provisioning transaction: a SUPI
// (the next free IMSI of the SNPN's range, a fresh NAI under its realm, or the UEID's
// pre-configured one), K (random), OPc = E_K(OP) xor OP, AMF and the initial SQN. Every SUPI
// issued is written to the `supis` ledger, whose primary key makes "never issued twice" hold
// across restarts, concurrent sessions and processes; a transaction that fails issues nothing.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { opcFromOp } from '../../lib/aka/milenage.js';
import { unseal } from '../../lib/seal.js';
import { prepareQuery } from '../../store/prepared-query.js';
import { OnboardingFailure } from './causes.js';
import type { PolicyRule, SnpnConfig } from './config.js';
import { preconfiguredAad } from './preconfigured.js';
import type { PsDatabase, PsStore } from './store.js';

export interface IssuedCredentials {
  supi: string;
  k: Uint8Array;
  opc: Uint8Array;
  /** 4 hex */
  amf: string;
  /** 12 hex */
  sqn: string;
}

export interface CredentialDefaults {
  amf: string;
  sqn: string;
}

type Issuance = { ueid: string; sessionId: string; now: string };

export class CredentialIssuer {
  readonly #q;

  constructor(
    store: PsStore,
    private readonly op: Uint8Array,
    private readonly kek: Uint8Array,
    private readonly defaults: CredentialDefaults,
  ) {
    if (op.length !== 16) throw new RangeError('the operator variant key OP must be 16 bytes');
    this.#q = {
      takeMsin: prepareQuery(store.db, (db, p: { rangeKey: string; last: number }) =>
        db
          .updateTable('imsi_counters')
          .set((eb) => ({ next_msin: eb('next_msin', '+', 1) }))
          .where('range_key', '=', p.rangeKey)
          .where('next_msin', '<=', p.last)
          .returning('next_msin'),
      ),
      recordSupi: prepareQuery(
        store.db,
        (db, p: { supi: string; ueid: string; sessionId: string; now: string }) =>
          db
            .insertInto('supis')
            .values({ supi: p.supi, ueid: p.ueid, session_id: p.sessionId, issued_at: p.now })
            .onConflict((oc) => oc.column('supi').doNothing()),
      ),
    };
  }

  async issue(
    trx: Kysely<PsDatabase>,
    request: { rule: PolicyRule; snpn: SnpnConfig; ueid: string; sessionId: string; now: string },
  ): Promise<IssuedCredentials> {
    const { rule, snpn } = request;
    if (rule.supi === 'preconfigured') return this.#preconfigured(trx, request);
    const supi =
      rule.supi === 'imsi'
        ? await this.#allocateImsi(trx, snpn, request)
        : await this.#allocateNai(trx, snpn, request);
    const k = new Uint8Array(randomBytes(16));
    return { supi, k, opc: opcFromOp(k, this.op), ...this.defaults };
  }

  /** The UEID's imported credentials, used once. */
  async #preconfigured(
    trx: Kysely<PsDatabase>,
    request: { ueid: string; sessionId: string; now: string },
  ): Promise<IssuedCredentials> {
    const row = await trx
      .selectFrom('preconfigured')
      .selectAll()
      .where('ueid', '=', request.ueid)
      .where('used_by_session', 'is', null)
      .executeTakeFirst();
    if (!row) {
      throw new OnboardingFailure(
        'PRECONFIGURED_CREDENTIALS_MISSING',
        'the policy provisions this device with pre-configured credentials, and none (unused) are imported for its UEID',
      );
    }
    await trx
      .updateTable('preconfigured')
      .set({ used_by_session: request.sessionId, updated_at: request.now })
      .where('ueid', '=', request.ueid)
      .execute();
    if (!(await this.#recordSupi(trx, row.supi, request))) {
      throw new OnboardingFailure(
        'PRECONFIGURED_CREDENTIALS_MISSING',
        `the pre-configured SUPI was issued before; import new credentials for this UEID`,
      );
    }
    return {
      supi: row.supi,
      k: unseal(this.kek, row.k_sealed, preconfiguredAad(row.ueid, 'k')),
      opc: unseal(this.kek, row.opc_sealed, preconfiguredAad(row.ueid, 'opc')),
      amf: row.amf ?? this.defaults.amf,
      sqn: row.sqn ?? this.defaults.sqn,
    };
  }

  /**
   * The next MSIN of the SNPN's range. The counter moves in one atomic UPDATE, so concurrent
   * sessions never see the same value; the ledger skips any IMSI issued before (for example from
   * an earlier, overlapping range).
   */
  async #allocateImsi(
    trx: Kysely<PsDatabase>,
    snpn: SnpnConfig,
    request: Issuance,
  ): Promise<string> {
    const range = snpn.imsiRange!;
    const rangeKey = `${snpn.mcc}${snpn.mnc}:${range.firstMsin}-${range.lastMsin}`;
    const last = Number(range.lastMsin);
    for (;;) {
      const taken = await this.#q.takeMsin.takeFirst(trx, { rangeKey, last });
      if (!taken) {
        const counter = await trx
          .selectFrom('imsi_counters')
          .select('next_msin')
          .where('range_key', '=', rangeKey)
          .executeTakeFirst();
        if (counter && Number(counter.next_msin) > last) {
          throw new OnboardingFailure(
            'SUPI_RANGE_EXHAUSTED',
            `every IMSI of SNPN ${snpn.name} (MSIN ${range.firstMsin}-${range.lastMsin}) is issued; the operator must configure a new range`,
          );
        }
        // The range's first use (or a concurrent first use just committed it): try again.
        if (!counter) {
          await trx
            .insertInto('imsi_counters')
            .values({ range_key: rangeKey, next_msin: Number(range.firstMsin), last_msin: last })
            .onConflict((oc) => oc.column('range_key').doNothing())
            .execute();
        }
        continue;
      }
      const msin = String(Number(taken.next_msin) - 1).padStart(range.firstMsin.length, '0');
      const supi = `imsi-${snpn.mcc}${snpn.mnc}${msin}`;
      if (await this.#recordSupi(trx, supi, request)) return supi;
    }
  }

  /** A fresh NAI: nai-<16 random hex>@realm. */
  async #allocateNai(
    trx: Kysely<PsDatabase>,
    snpn: SnpnConfig,
    request: Issuance,
  ): Promise<string> {
    for (;;) {
      const supi = `nai-${randomBytes(8).toString('hex')}@${snpn.naiRealm!}`;
      if (await this.#recordSupi(trx, supi, request)) return supi;
    }
  }

  /** Writes the SUPI to the ledger; false when it was issued before. */
  async #recordSupi(trx: Kysely<PsDatabase>, supi: string, request: Issuance): Promise<boolean> {
    return (await this.#q.recordSupi.affected(trx, { supi, ...request })) > 0n;
  }
}
