// The UDM's credential provisioning (Step 2.1 of the onboarding): one AuthenticationSubscription
// (TS 29.505) per SUPI, created, replaced, read back without its secrets, and deleted. K and OPc
// arrive sealed under the PS-UDM transport key (protectionParameterId names it) and are kept
// sealed under the UDM's own KEK, with additional data naming the row, so a sealed value copied
// onto another row does not open there. No message or log line ever carries K or OPc.
// A subscription's SQN state (auth-vectors.ts) is kept apart and removed with it; a PUT that
// changes K, OPc or the SQN gives the subscription a new credential id, which restarts that state.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { equalBytes } from '../../lib/bytes.js';
import { isNaiRealm, isNaiUsername } from '../../lib/aka/supi.js';
import { parseRfc3339 } from '../../lib/rfc3339.js';
import { seal, unseal } from '../../lib/seal.js';
import { prepareQuery } from '../../store/prepared-query.js';
import { problem, type InvalidParam } from '../../sbi/problem-details.js';
import {
  prepareSubscriptionExists,
  type AuthenticationSubscriptionsTable,
  type UdmStore,
} from './store.js';

export type AuthMethod = '5G_AKA' | 'EAP_AKA_PRIME';
export const AUTH_METHODS: readonly AuthMethod[] = ['5G_AKA', 'EAP_AKA_PRIME'];

/** The body of PUT /nudm-cp/v1/{supi}: TS 29.505 AuthenticationSubscription names. */
export interface AuthenticationSubscriptionInput {
  authenticationMethod: AuthMethod;
  /** K, sealed under the transport key (src/lib/seal.ts), aad `${supi}|encPermanentKey` */
  encPermanentKey: string;
  /** OPc, sealed under the transport key, aad `${supi}|encOpcKey` */
  encOpcKey: string;
  /** the id of the transport key K and OPc are sealed under */
  protectionParameterId: string;
  /** AMF, 4 hex digits */
  authenticationManagementField: string;
  algorithmId: 'milenage';
  sequenceNumber: { sqnScheme: 'NON_TIME_BASED'; sqn: string };
  /** RFC 3339: the end of the credentials' validity (the bundle's notAfter); absent for none */
  notAfter?: string;
}

/** What the API returns for a SUPI: everything but K and OPc. */
export interface AuthenticationSubscriptionRecord {
  supi: string;
  authenticationMethod: AuthMethod;
  authenticationManagementField: string;
  algorithmId: 'milenage';
  sequenceNumber: { sqnScheme: 'NON_TIME_BASED'; sqn: string };
  /** as stored: UTC, milliseconds */
  notAfter?: string;
  createdAt: string;
  updatedAt: string;
}

/** What authentication needs (issue 5's UE authentication): K and OPc included. Never leaves the UDM. */
export interface AuthenticationCredentials {
  supi: string;
  authenticationMethod: AuthMethod;
  k: Uint8Array;
  opc: Uint8Array;
  /** 4 lower-case hex digits */
  amf: string;
  /** the provisioned (initial) SQN, 12 lower-case hex digits; SQN_HE lives in sqn_states */
  sqn: string;
  /** names this K, OPc and initial SQN (see AuthenticationSubscriptionsTable.credential_id) */
  credentialId: string;
  /** the end of the credentials' validity, UTC; undefined for none */
  notAfter?: string;
}

/** The transport key shared by the PS and the UDM: 32 bytes and the id that names it. */
export interface TransportKey {
  id: string;
  key: Uint8Array;
}

/** Additional data of K and OPc sealed for transport (PS -> UDM). */
export const transportAad = (supi: string, field: 'encPermanentKey' | 'encOpcKey') =>
  `${supi}|${field}`;
/** Additional data of K and OPc sealed at rest under the UDM's KEK. */
export const atRestAad = (supi: string, what: 'k' | 'opc') =>
  `authentication_subscription:${supi}:${what}`;

const K_LENGTH = 16;
const OPC_LENGTH = 16;
const IMSI_SUPI = /^imsi-[0-9]{5,15}$/;
const NAI_MAX_OCTETS = 253;

/** Checks a SUPI (TS 29.571 string form) and returns it; 400 with a cause otherwise. */
export function checkSupiText(supi: string): string {
  if (typeof supi === 'string') {
    if (IMSI_SUPI.test(supi)) return supi;
    if (supi.startsWith('nai-')) {
      const nai = supi.slice(4);
      const at = nai.lastIndexOf('@');
      if (
        at > 0 &&
        Buffer.byteLength(nai, 'utf8') <= NAI_MAX_OCTETS &&
        isNaiUsername(nai.slice(0, at)) &&
        isNaiRealm(nai.slice(at + 1))
      ) {
        return supi;
      }
    }
  }
  throw problem(
    400,
    'MANDATORY_IE_INCORRECT',
    'the SUPI must be imsi-<5 to 15 digits> or nai-<username>@<realm> (RFC 7542)',
    [{ param: 'supi', reason: 'not a SUPI' }],
  );
}

function userNotFound(supi: string) {
  return problem(404, 'USER_NOT_FOUND', `no authentication subscription for ${supi}`);
}

/** Field checks of a PUT body, every problem listed; the sealed values are opened later. */
function inputProblems(input: AuthenticationSubscriptionInput): InvalidParam[] {
  const bad: InvalidParam[] = [];
  const i = (typeof input === 'object' && input !== null ? input : {}) as Partial<
    Record<keyof AuthenticationSubscriptionInput, unknown>
  >;
  if (!AUTH_METHODS.includes(i.authenticationMethod as AuthMethod)) {
    bad.push({ param: '/authenticationMethod', reason: 'must be 5G_AKA or EAP_AKA_PRIME' });
  }
  if (typeof i.encPermanentKey !== 'string') {
    bad.push({ param: '/encPermanentKey', reason: 'must be a sealed value' });
  }
  if (typeof i.encOpcKey !== 'string') {
    bad.push({ param: '/encOpcKey', reason: 'must be a sealed value' });
  }
  if (typeof i.protectionParameterId !== 'string') {
    bad.push({ param: '/protectionParameterId', reason: 'must name the transport key' });
  }
  if (
    typeof i.authenticationManagementField !== 'string' ||
    !/^[0-9A-Fa-f]{4}$/.test(i.authenticationManagementField)
  ) {
    bad.push({ param: '/authenticationManagementField', reason: 'must be 4 hex digits' });
  }
  if (i.algorithmId !== 'milenage') {
    bad.push({ param: '/algorithmId', reason: 'must be milenage' });
  }
  const sqn = i.sequenceNumber as { sqnScheme?: unknown; sqn?: unknown } | undefined;
  if (typeof sqn !== 'object' || sqn === null) {
    bad.push({ param: '/sequenceNumber', reason: 'must be an object with sqnScheme and sqn' });
  } else {
    if (sqn.sqnScheme !== 'NON_TIME_BASED') {
      bad.push({ param: '/sequenceNumber/sqnScheme', reason: 'must be NON_TIME_BASED' });
    }
    if (typeof sqn.sqn !== 'string' || !/^[0-9A-Fa-f]{12}$/.test(sqn.sqn)) {
      bad.push({ param: '/sequenceNumber/sqn', reason: 'must be 12 hex digits' });
    }
  }
  if (i.notAfter !== undefined && normalisedTime(i.notAfter) === undefined) {
    bad.push({ param: '/notAfter', reason: 'must be an RFC 3339 date-time' });
  }
  return bad;
}

export class AuthenticationSubscriptionService {
  readonly #q;

  constructor(
    private readonly store: UdmStore,
    private readonly kek: Uint8Array,
    private readonly transportKey: TransportKey,
    private readonly log: FastifyBaseLogger,
  ) {
    if (kek.length !== 32) throw new RangeError('the UDM KEK must be 32 bytes');
    if (transportKey.key.length !== 32) throw new RangeError('the transport key must be 32 bytes');
    const columns = (p: AuthenticationSubscriptionsTable): AuthenticationSubscriptionsTable => ({
      supi: p.supi,
      authentication_method: p.authentication_method,
      k_sealed: p.k_sealed,
      opc_sealed: p.opc_sealed,
      amf: p.amf,
      algorithm_id: p.algorithm_id,
      sqn_scheme: p.sqn_scheme,
      sqn: p.sqn,
      created_at: p.created_at,
      updated_at: p.updated_at,
      credential_id: p.credential_id,
      not_after: p.not_after,
    });
    this.#q = {
      exists: prepareSubscriptionExists(store.db),
      bySupi: prepareQuery(store.db, (db, p: { supi: string }) =>
        db.selectFrom('authentication_subscriptions').selectAll().where('supi', '=', p.supi),
      ),
      // A concurrent first PUT of the same SUPI may have inserted it meanwhile: nothing changes.
      insert: prepareQuery(store.db, (db, p: AuthenticationSubscriptionsTable) =>
        db
          .insertInto('authentication_subscriptions')
          .values(columns(p))
          .onConflict((oc) => oc.column('supi').doNothing()),
      ),
      replace: prepareQuery(store.db, (db, p: AuthenticationSubscriptionsTable) =>
        db.updateTable('authentication_subscriptions').set(columns(p)).where('supi', '=', p.supi),
      ),
    };
  }

  /**
   * PUT: create or replace the subscription of a SUPI. `created` is true for a new SUPI;
   * `changed` is false when the stored subscription already had exactly this content (an
   * idempotent retry), which then is left untouched.
   */
  async put(
    supi: string,
    input: AuthenticationSubscriptionInput,
  ): Promise<{ created: boolean; changed: boolean; record: AuthenticationSubscriptionRecord }> {
    checkSupiText(supi);
    const bad = inputProblems(input);
    if (bad.length > 0) {
      throw problem(
        400,
        'MANDATORY_IE_INCORRECT',
        `the authentication subscription has incorrect fields: ${bad.map((b) => b.param).join(', ')}`,
        bad,
      );
    }
    const { k, opc } = this.#openTransport(supi, input);
    const amf = input.authenticationManagementField.toLowerCase();
    const sqn = input.sequenceNumber.sqn.toLowerCase();
    const notAfter = input.notAfter === undefined ? null : normalisedTime(input.notAfter)!;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.store.db.transaction().execute(async (trx) => {
        const existing = await this.#q.bySupi.takeFirst(trx, { supi });
        const now = new Date().toISOString();
        if (
          existing &&
          existing.not_after === notAfter &&
          this.#sameContent(existing, input.authenticationMethod, k, opc, amf, sqn)
        ) {
          return { created: false, changed: false, row: existing };
        }
        const credentialId =
          existing && this.#sameCredential(existing, k, opc, sqn)
            ? existing.credential_id
            : randomUUID();
        const row: AuthenticationSubscriptionsTable = {
          supi,
          authentication_method: input.authenticationMethod,
          k_sealed: seal(this.kek, k, atRestAad(supi, 'k')),
          opc_sealed: seal(this.kek, opc, atRestAad(supi, 'opc')),
          amf,
          algorithm_id: 'milenage',
          sqn_scheme: 'NON_TIME_BASED',
          sqn,
          created_at: existing?.created_at ?? now,
          updated_at: now,
          credential_id: credentialId,
          not_after: notAfter,
        };
        if (existing) {
          await this.#q.replace.execute(trx, row);
          return { created: false, changed: true, row };
        }
        // A concurrent first PUT of the same SUPI may have inserted it meanwhile: then retry.
        if ((await this.#q.insert.affected(trx, row)) === 0n) return undefined;
        return { created: true, changed: true, row };
      });
      if (outcome) {
        this.log.info(
          {
            supi,
            authenticationMethod: input.authenticationMethod,
            result: outcome.created ? 'created' : outcome.changed ? 'replaced' : 'unchanged',
          },
          'authentication subscription stored',
        );
        return {
          created: outcome.created,
          changed: outcome.changed,
          record: toRecord(outcome.row),
        };
      }
      if (attempt >= 2) {
        throw problem(409, 'CONCURRENT_WRITE', `concurrent writes to ${supi}; try again`);
      }
    }
  }

  async get(supi: string): Promise<AuthenticationSubscriptionRecord> {
    checkSupiText(supi);
    const row = await this.#q.bySupi.takeFirst(this.store.db, { supi });
    if (!row) throw userNotFound(supi);
    return toRecord(row);
  }

  /**
   * DELETE: idempotent revocation; true when there was a subscription to remove. Its SQN state
   * and latest authentication event go with it.
   */
  async delete(supi: string): Promise<boolean> {
    checkSupiText(supi);
    const deleted = await this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('authentication_subscriptions')
        .where('supi', '=', supi)
        .executeTakeFirst();
      await trx.deleteFrom('sqn_states').where('supi', '=', supi).execute();
      await trx.deleteFrom('auth_events').where('supi', '=', supi).execute();
      return result.numDeletedRows > 0n;
    });
    this.log.info(
      { supi, result: deleted ? 'deleted' : 'absent' },
      'authentication subscription deleted',
    );
    return deleted;
  }

  /** Is there a subscription for this SUPI? (no secret is opened) */
  async exists(supi: string): Promise<boolean> {
    return (await this.#q.exists.takeFirst(this.store.db, { supi })) !== undefined;
  }

  /**
   * K, OPc, AMF, the provisioned SQN and the credential id of a SUPI, for authentication;
   * undefined when absent. The caller wipes K and OPc after use.
   */
  async credentials(supi: string): Promise<AuthenticationCredentials | undefined> {
    const row = await this.#q.bySupi.takeFirst(this.store.db, { supi });
    if (!row) return undefined;
    return {
      supi,
      authenticationMethod: row.authentication_method as AuthMethod,
      k: unseal(this.kek, row.k_sealed, atRestAad(supi, 'k')),
      opc: unseal(this.kek, row.opc_sealed, atRestAad(supi, 'opc')),
      amf: row.amf,
      sqn: row.sqn,
      credentialId: row.credential_id,
      ...(row.not_after !== null ? { notAfter: row.not_after } : {}),
    };
  }

  /** Opens K and OPc sealed for transport; 400 naming the field when one does not open. */
  #openTransport(
    supi: string,
    input: AuthenticationSubscriptionInput,
  ): { k: Uint8Array; opc: Uint8Array } {
    if (input.protectionParameterId !== this.transportKey.id) {
      throw problem(
        400,
        'MANDATORY_IE_INCORRECT',
        'protectionParameterId does not name the transport key this UDM holds',
        [{ param: '/protectionParameterId', reason: 'unknown transport key id' }],
      );
    }
    const open = (
      field: 'encPermanentKey' | 'encOpcKey',
      length: number,
      what: string,
    ): Uint8Array => {
      let bytes: Uint8Array;
      try {
        bytes = unseal(this.transportKey.key, input[field], transportAad(supi, field));
      } catch {
        throw problem(
          400,
          'MANDATORY_IE_INCORRECT',
          `${field} does not open with the transport key for this SUPI (tampered, sealed for another SUPI, or under another key)`,
          [{ param: `/${field}`, reason: 'does not unseal' }],
        );
      }
      if (bytes.length !== length) {
        throw problem(400, 'MANDATORY_IE_INCORRECT', `${field} must hold ${what}`, [
          { param: `/${field}`, reason: `must hold ${length} bytes` },
        ]);
      }
      return bytes;
    };
    return {
      k: open('encPermanentKey', K_LENGTH, 'a 128-bit K'),
      opc: open('encOpcKey', OPC_LENGTH, 'a 128-bit OPc'),
    };
  }

  /** Same K, OPc and initial SQN: the SQN state carries over (only method or AMF changed). */
  #sameCredential(
    row: AuthenticationSubscriptionsTable,
    k: Uint8Array,
    opc: Uint8Array,
    sqn: string,
  ): boolean {
    if (row.sqn !== sqn) return false;
    try {
      return (
        equalBytes(unseal(this.kek, row.k_sealed, atRestAad(row.supi, 'k')), k) &&
        equalBytes(unseal(this.kek, row.opc_sealed, atRestAad(row.supi, 'opc')), opc)
      );
    } catch {
      return false;
    }
  }

  #sameContent(
    row: AuthenticationSubscriptionsTable,
    method: AuthMethod,
    k: Uint8Array,
    opc: Uint8Array,
    amf: string,
    sqn: string,
  ): boolean {
    // A row that no longer opens (another KEK) is replaced by the new content.
    if (row.authentication_method !== method || row.amf !== amf) return false;
    return this.#sameCredential(row, k, opc, sqn);
  }
}

/** An RFC 3339 date-time as UTC with milliseconds, the one form stored; undefined if not one. */
function normalisedTime(text: unknown): string | undefined {
  const ms = parseRfc3339(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function toRecord(row: AuthenticationSubscriptionsTable): AuthenticationSubscriptionRecord {
  return {
    supi: row.supi,
    authenticationMethod: row.authentication_method as AuthMethod,
    authenticationManagementField: row.amf,
    algorithmId: 'milenage',
    sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: row.sqn },
    ...(row.not_after !== null ? { notAfter: row.not_after } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
