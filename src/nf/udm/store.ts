// The UDM's tables (its UDR): authentication subscriptions per SUPI, K and OPc sealed under the
// UDM's KEK, and the home network key pairs the SIDF de-conceals SUCIs with, private keys sealed
// under the same KEK; then the state of UE authentication (issue 5): SQN_HE per SUPI and the
// latest authentication event per SUPI. Only the UDM opens this store.
import type { Kysely } from 'kysely';
import { openStore, type Migrations, type Store } from '../../store/open-store.js';
import { prepareQuery } from '../../store/prepared-query.js';
import type { StoreConfig } from '../../store/store-config.js';

/** One AuthenticationSubscription (TS 29.505) per SUPI. */
export interface AuthenticationSubscriptionsTable {
  /** TS 29.571 Supi: imsi-<digits> or nai-<username>@<realm> */
  supi: string;
  /** 5G_AKA or EAP_AKA_PRIME */
  authentication_method: string;
  /** K (16 bytes), sealed under the KEK, aad authentication_subscription:<supi>:k */
  k_sealed: string;
  /** OPc (16 bytes), sealed under the KEK, aad authentication_subscription:<supi>:opc */
  opc_sealed: string;
  /** AMF, 4 lower-case hex digits */
  amf: string;
  /** milenage */
  algorithm_id: string;
  /** NON_TIME_BASED */
  sqn_scheme: string;
  /** the SQN provisioned with K (the initial SQN_HE), 12 lower-case hex digits */
  sqn: string;
  created_at: string;
  updated_at: string;
  /**
   * Names this K, OPc and initial SQN: new on a create and on a PUT that changes any of them, kept
   * otherwise. The SQN state belongs to one credential id, so a new credential starts afresh.
   */
  credential_id: string;
  /**
   * The end of the credentials' validity (RFC 3339, UTC), the notAfter of the PS's bundle; null
   * for none. From then on the UDM refuses to authenticate with them.
   */
  not_after: string | null;
}

/**
 * SQN_HE per SUPI (TS 33.102 Annex C.3), apart from the provisioned subscription: the SQN of the
 * last vector generated. Created from the subscription's initial SQN on first use.
 */
export interface SqnStatesTable {
  supi: string;
  /** the credential (authentication_subscriptions.credential_id) this SQN_HE counts for */
  credential_id: string;
  /** SQN_HE, 12 lower-case hex digits */
  sqn: string;
  updated_at: string;
}

/** The latest AuthEvent (TS 29.503 Nudm_UEAU ConfirmAuth) the AUSF reported per SUPI. */
export interface AuthEventsTable {
  supi: string;
  /** the id in the Location of the event's 201 */
  auth_event_id: string;
  nf_instance_id: string;
  /** 1 success, 0 failure */
  success: number;
  time_stamp: string;
  auth_type: string;
  serving_network_name: string;
  received_at: string;
}

/** Home network key pairs for SUCI de-concealment (TS 33.501 Annex C). */
export interface HomeNetworkKeysTable {
  /** ECIES profile: A (X25519) or B (P-256) */
  scheme: string;
  /** the home network public key identifier, 0..255 */
  hn_key_id: number;
  /** lower-case hex: raw 32 bytes (A) or the compressed 33-byte point (B) */
  public_key: string;
  /** the 32-byte private key, sealed under the KEK, aad home_network_key:<scheme>:<id> */
  private_key_sealed: string;
  created_at: string;
}

export interface UdmDatabase {
  authentication_subscriptions: AuthenticationSubscriptionsTable;
  home_network_keys: HomeNetworkKeysTable;
  sqn_states: SqnStatesTable;
  auth_events: AuthEventsTable;
}

export const UDM_MIGRATIONS: Migrations = {
  '0001_credentials': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('authentication_subscriptions')
        .addColumn('supi', 'text', (c) => c.primaryKey())
        .addColumn('authentication_method', 'text', (c) => c.notNull())
        .addColumn('k_sealed', 'text', (c) => c.notNull())
        .addColumn('opc_sealed', 'text', (c) => c.notNull())
        .addColumn('amf', 'text', (c) => c.notNull())
        .addColumn('algorithm_id', 'text', (c) => c.notNull())
        .addColumn('sqn_scheme', 'text', (c) => c.notNull())
        .addColumn('sqn', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('home_network_keys')
        .addColumn('scheme', 'text', (c) => c.notNull())
        .addColumn('hn_key_id', 'integer', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('private_key_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('home_network_keys_pk', ['scheme', 'hn_key_id'])
        .execute();
    },
  },
  '0002_ue_authentication': {
    async up(db: Kysely<unknown>) {
      // Subscriptions stored before this migration share the credential id ''.
      await db.schema
        .alterTable('authentication_subscriptions')
        .addColumn('credential_id', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createTable('sqn_states')
        .addColumn('supi', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('sqn', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auth_events')
        .addColumn('supi', 'text', (c) => c.primaryKey())
        .addColumn('auth_event_id', 'text', (c) => c.notNull())
        .addColumn('nf_instance_id', 'text', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .addColumn('time_stamp', 'text', (c) => c.notNull())
        .addColumn('auth_type', 'text', (c) => c.notNull())
        .addColumn('serving_network_name', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Credentials stored before this migration keep no end of validity (null).
  '0003_credential_validity': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('authentication_subscriptions')
        .addColumn('not_after', 'text')
        .execute();
    },
  },
};

export type UdmStore = Store<UdmDatabase>;

export function openUdmStore(config: StoreConfig): Promise<UdmStore> {
  return openStore<UdmDatabase>(config, 'udm', UDM_MIGRATIONS);
}

/**
 * Whether a SUPI has an authentication subscription (its key only, no secret read), prepared
 * (src/store/prepared-query.ts) by each service that asks: the SIDF on every de-concealed SUCI,
 * and the auth events.
 */
export function prepareSubscriptionExists(db: Kysely<UdmDatabase>) {
  return prepareQuery(db, (qb, p: { supi: string }) =>
    qb.selectFrom('authentication_subscriptions').select('supi').where('supi', '=', p.supi),
  );
}
