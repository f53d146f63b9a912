// The DCS's tables: endorsed devices (UEID -> AKM), reference values per device class, and the
// audit record of every appraisal. Only the DCS opens this store.
import type { Kysely } from 'kysely';
import { openStore, type Migrations, type Store } from '../../store/open-store.js';
import type { StoreConfig } from '../../store/store-config.js';

export interface DevicesTable {
  /** lower-case hex of the whole UEID, type byte included */
  ueid: string;
  /** JWK key type of the AKM: EC, OKP or oct */
  akm_kty: string;
  /** the public AKM as JWK JSON; null for a symmetric AKM */
  akm_public: string | null;
  /** the symmetric AKM, sealed under the KEK (see src/lib/seal.ts); null for a public AKM */
  akm_sealed: string | null;
  /** RFC 7638 thumbprint of the AKM JWK */
  akm_thumbprint: string;
  device_class: string;
  oemid: string | null;
  hwmodel: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ClassesTable {
  name: string;
  /** ReferenceValues as JSON */
  reference_values: string;
  updated_at: string;
}

export interface AppraisalsTable {
  id: string;
  ueid: string;
  status: string;
  /** the AR4SI trustworthiness vector as JSON */
  trustworthiness_vector: string;
  policy_id: string;
  /** why, in a few words: the first failed check, or "affirmed" */
  detail: string;
  appraised_at: string;
}

/** One row: a counter that every endorsement write (devices or classes) advances. */
export interface EndorsementVersionTable {
  id: number;
  version: number;
}

export interface DcsDatabase {
  devices: DevicesTable;
  classes: ClassesTable;
  appraisals: AppraisalsTable;
  endorsement_version: EndorsementVersionTable;
}

export const DCS_MIGRATIONS: Migrations = {
  '0001_endorsements': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('devices')
        .addColumn('ueid', 'text', (c) => c.primaryKey())
        .addColumn('akm_kty', 'text', (c) => c.notNull())
        .addColumn('akm_public', 'text')
        .addColumn('akm_sealed', 'text')
        .addColumn('akm_thumbprint', 'text', (c) => c.notNull())
        .addColumn('device_class', 'text', (c) => c.notNull())
        .addColumn('oemid', 'text')
        .addColumn('hwmodel', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_class').on('devices').column('device_class').execute();
      await db.schema
        .createTable('classes')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('reference_values', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('appraisals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ueid', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('trustworthiness_vector', 'text', (c) => c.notNull())
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('appraised_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('appraisals_ueid_time')
        .on('appraisals')
        .columns(['ueid', 'appraised_at'])
        .execute();
    },
  },
  // Appraisals cache endorsements; this counter tells every process of the DCS when to drop them.
  '0002_endorsement_version': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('endorsement_version')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await (db as Kysely<DcsDatabase>)
        .insertInto('endorsement_version')
        .values({ id: 1, version: 0 })
        .execute();
    },
  },
};

export type DcsStore = Store<DcsDatabase>;

export function openDcsStore(config: StoreConfig): Promise<DcsStore> {
  return openStore<DcsDatabase>(config, 'dcs', DCS_MIGRATIONS);
}
