// The UDM's tables (its UDR): authentication subscriptions per SUPI, K and OPc sealed under the
// UDM's KEK, and the home network key pairs the SIDF de-conceals SUCIs with, private keys sealed
// under the same KEK. Only the UDM opens this store.
import type { Kysely } from 'kysely';
import { openStore, type Migrations, type Store } from '../../store/open-store.js';
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
  /** the current SQN (SQN_HE), 12 lower-case hex digits */
  sqn: string;
  created_at: string;
  updated_at: string;
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
};

export type UdmStore = Store<UdmDatabase>;

export function openUdmStore(config: StoreConfig): Promise<UdmStore> {
  return openStore<UdmDatabase>(config, 'udm', UDM_MIGRATIONS);
}
