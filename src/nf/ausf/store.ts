// The AUSF's table: one authentication context per POST /ue-authentications, alive until it is
// confirmed, fails or expires, and never usable twice. XRES*, XRES, K_aut and KAUSF are sealed
// under the AUSF's KEK, bound to the context id. Only the AUSF opens this store.
import type { Kysely } from 'kysely';
import { openStore, type Migrations, type Store } from '../../store/open-store.js';
import type { StoreConfig } from '../../store/store-config.js';

export type AuthContextStatus = 'pending' | 'succeeded' | 'failed';

/** Where an EAP-AKA' exchange stands: the challenge is out, or the failure notification is. */
export type EapState = 'challenge' | 'failure-notification';

export interface AuthContextsTable {
  /** authCtxId: base64url of 16 random octets */
  id: string;
  /** TS 29.571 Supi, from the UDM */
  supi: string;
  serving_network_name: string;
  /** 5G_AKA or EAP_AKA_PRIME */
  auth_type: string;
  status: AuthContextStatus;
  /** bumped on every change, so two concurrent requests cannot both advance the context */
  version: number;
  /** RAND of the current challenge, 32 lower-case hex digits (the RAND of a resynchronisation) */
  rand: string;
  /**
   * sealed JSON, aad auth_context:<id>: {xresStar, kausf} (5G AKA) or {xres, kAut, kausf}
   * (EAP-AKA'), hex
   */
  secrets: string;
  /** EAP-AKA': the Identifier of the outstanding EAP-Request */
  eap_identifier: number | null;
  eap_state: EapState | null;
  /** EAP-AKA': resynchronisations done in this context */
  resyncs: number;
  created_at: string;
  expires_at: string;
  updated_at: string;
}

export interface AusfDatabase {
  auth_contexts: AuthContextsTable;
}

export const AUSF_MIGRATIONS: Migrations = {
  '0001_auth_contexts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auth_contexts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('supi', 'text', (c) => c.notNull())
        .addColumn('serving_network_name', 'text', (c) => c.notNull())
        .addColumn('auth_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('rand', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text', (c) => c.notNull())
        .addColumn('eap_identifier', 'integer')
        .addColumn('eap_state', 'text')
        .addColumn('resyncs', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('auth_contexts_expiry')
        .on('auth_contexts')
        .column('expires_at')
        .execute();
    },
  },
};

export type AusfStore = Store<AusfDatabase>;

export function openAusfStore(config: StoreConfig): Promise<AusfStore> {
  return openStore<AusfDatabase>(config, 'ausf', AUSF_MIGRATIONS);
}
