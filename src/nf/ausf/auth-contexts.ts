// Authentication contexts: what the AUSF keeps between the challenge and the UE's answer
// (TS 33.501 6.1.3.1 step 2, 6.1.3.2 step 5). A context expires, and once it has succeeded or
// failed it is never used again: every change is a compare-and-set on its version, so a replayed
// or concurrent confirmation finds nothing to act on. Secrets are sealed at rest, bound to the id.
import { randomBytes } from 'node:crypto';
import { fromHex, toBase64url, toHex } from '../../lib/bytes.js';
import { seal, unseal } from '../../lib/seal.js';
import { problem } from '../../sbi/problem-details.js';
import { prepareQuery } from '../../store/prepared-query.js';
import type { AuthType } from './ue-authentication-types.js';
import type { AuthContextStatus, AuthContextsTable, AusfStore, EapState } from './store.js';

/** How long an expired, succeeded or failed context is kept (to tell "used" from "unknown"). */
const RETENTION_MS = 3_600_000;

export interface FiveGAkaSecrets {
  xresStar: Uint8Array;
  kausf: Uint8Array;
}

export interface EapAkaPrimeSecrets {
  xres: Uint8Array;
  kAut: Uint8Array;
  kausf: Uint8Array;
}

interface ContextBase {
  id: string;
  supi: string;
  servingNetworkName: string;
  status: AuthContextStatus;
  version: number;
  rand: Uint8Array;
}

export type FiveGAkaContext = ContextBase & { authType: '5G_AKA'; secrets: FiveGAkaSecrets };

export type EapAkaPrimeContext = ContextBase & {
  authType: 'EAP_AKA_PRIME';
  secrets: EapAkaPrimeSecrets;
  eapIdentifier: number;
  eapState: EapState;
  resyncs: number;
};

export type AuthContext = FiveGAkaContext | EapAkaPrimeContext;

export type NewAuthContext =
  | {
      authType: '5G_AKA';
      supi: string;
      servingNetworkName: string;
      rand: Uint8Array;
      secrets: FiveGAkaSecrets;
    }
  | {
      authType: 'EAP_AKA_PRIME';
      supi: string;
      servingNetworkName: string;
      rand: Uint8Array;
      secrets: EapAkaPrimeSecrets;
      eapIdentifier: number;
    };

/** What a step changes; `expires` restarts the context's lifetime (a fresh challenge). */
export interface AuthContextChange {
  status?: AuthContextStatus;
  rand?: Uint8Array;
  secrets?: EapAkaPrimeSecrets;
  eapIdentifier?: number;
  eapState?: EapState;
  resyncs?: number;
  expires?: boolean;
}

const aad = (id: string) => `auth_context:${id}`;

function sealSecrets(kek: Uint8Array, id: string, secrets: FiveGAkaSecrets | EapAkaPrimeSecrets) {
  const plain = Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, toHex(v)]));
  return seal(kek, new TextEncoder().encode(JSON.stringify(plain)), aad(id));
}

function openSecrets(kek: Uint8Array, id: string, sealed: string): Record<string, Uint8Array> {
  const plain = JSON.parse(new TextDecoder().decode(unseal(kek, sealed, aad(id)))) as Record<
    string,
    string
  >;
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, fromHex(v)]));
}

const notFound = (detail: string) => problem(404, 'CONTEXT_NOT_FOUND', detail);

export class AuthContextStore {
  readonly #insert;
  readonly #byId;

  constructor(
    private readonly store: AusfStore,
    private readonly kek: Uint8Array,
    private readonly lifetimeMs: number,
    private readonly clock: () => number,
  ) {
    this.#insert = prepareQuery(store.db, (db, p: AuthContextsTable) =>
      db.insertInto('auth_contexts').values({
        id: p.id,
        supi: p.supi,
        serving_network_name: p.serving_network_name,
        auth_type: p.auth_type,
        status: p.status,
        version: p.version,
        rand: p.rand,
        secrets: p.secrets,
        eap_identifier: p.eap_identifier,
        eap_state: p.eap_state,
        resyncs: p.resyncs,
        created_at: p.created_at,
        expires_at: p.expires_at,
        updated_at: p.updated_at,
      }),
    );
    this.#byId = prepareQuery(store.db, (db, p: { id: string }) =>
      db.selectFrom('auth_contexts').selectAll().where('id', '=', p.id),
    );
  }

  /** Stores a new pending context; returns its authCtxId. */
  async create(input: NewAuthContext): Promise<string> {
    const id = toBase64url(randomBytes(16));
    const now = this.clock();
    await this.#insert.execute(this.store.db, {
      id,
      supi: input.supi,
      serving_network_name: input.servingNetworkName,
      auth_type: input.authType,
      status: 'pending',
      version: 0,
      rand: toHex(input.rand),
      secrets: sealSecrets(this.kek, id, input.secrets),
      eap_identifier: input.authType === 'EAP_AKA_PRIME' ? input.eapIdentifier : null,
      eap_state: input.authType === 'EAP_AKA_PRIME' ? 'challenge' : null,
      resyncs: 0,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.lifetimeMs).toISOString(),
      updated_at: new Date(now).toISOString(),
    });
    return id;
  }

  /**
   * The pending, unexpired context `id` of type `authType`; otherwise 404 CONTEXT_NOT_FOUND
   * with a detail saying why (unknown, expired, already used, of the other method).
   */
  async pending<T extends AuthType>(
    id: string,
    authType: T,
  ): Promise<Extract<AuthContext, { authType: T }>> {
    const row = await this.#byId.takeFirst(this.store.db, { id });
    if (!row) throw notFound(`no authentication context ${id}`);
    if (row.status !== 'pending') {
      throw notFound(
        `authentication context ${id} has already ${row.status}: a context is used once; start a new authentication`,
      );
    }
    if (Date.parse(row.expires_at) <= this.clock()) {
      throw notFound(`authentication context ${id} expired at ${row.expires_at}`);
    }
    if (row.auth_type !== authType) {
      throw notFound(`authentication context ${id} is for ${row.auth_type}, not ${authType}`);
    }
    const base = {
      id: row.id,
      supi: row.supi,
      servingNetworkName: row.serving_network_name,
      status: row.status,
      version: row.version,
      rand: fromHex(row.rand),
    };
    const secrets = openSecrets(this.kek, row.id, row.secrets);
    const context: AuthContext =
      row.auth_type === '5G_AKA'
        ? {
            ...base,
            authType: '5G_AKA',
            secrets: { xresStar: secrets.xresStar!, kausf: secrets.kausf! },
          }
        : {
            ...base,
            authType: 'EAP_AKA_PRIME',
            secrets: { xres: secrets.xres!, kAut: secrets.kAut!, kausf: secrets.kausf! },
            eapIdentifier: row.eap_identifier ?? 0,
            eapState: row.eap_state ?? 'challenge',
            resyncs: row.resyncs,
          };
    return context as Extract<AuthContext, { authType: T }>;
  }

  /**
   * Applies `change` if the context is still pending at the version it was read at; otherwise
   * another request got there first, and this one gets 404 CONTEXT_NOT_FOUND.
   */
  async update(context: AuthContext, change: AuthContextChange): Promise<void> {
    const now = this.clock();
    const result = await this.store.db
      .updateTable('auth_contexts')
      .set({
        version: context.version + 1,
        updated_at: new Date(now).toISOString(),
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.rand !== undefined ? { rand: toHex(change.rand) } : {}),
        ...(change.secrets !== undefined
          ? { secrets: sealSecrets(this.kek, context.id, change.secrets) }
          : {}),
        ...(change.eapIdentifier !== undefined ? { eap_identifier: change.eapIdentifier } : {}),
        ...(change.eapState !== undefined ? { eap_state: change.eapState } : {}),
        ...(change.resyncs !== undefined ? { resyncs: change.resyncs } : {}),
        ...(change.expires ? { expires_at: new Date(now + this.lifetimeMs).toISOString() } : {}),
      })
      .where('id', '=', context.id)
      .where('version', '=', context.version)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw notFound(
        `authentication context ${context.id} was used by a concurrent request: a context is used once`,
      );
    }
  }

  /** Forgets contexts that expired more than an hour ago; returns how many. */
  async purge(): Promise<number> {
    const before = new Date(this.clock() - RETENTION_MS).toISOString();
    const result = await this.store.db
      .deleteFrom('auth_contexts')
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
