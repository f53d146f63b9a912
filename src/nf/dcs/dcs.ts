// The DCS network function: its store, services and APIs wired into one Fastify plugin, so it can
// run alone or beside other functions in one process (see src/cli/serve.ts).
import type { FastifyInstance } from 'fastify';
import { registerOpenApi, serveOpenApi, type InterfaceInfo } from '../../sbi/openapi.js';
import { createSbiServer } from '../../sbi/server.js';
import type { StoreConfig } from '../../store/store-config.js';
import { AppraisalService, type EarSigningKey } from './appraisal.js';
import { EndorsementService } from './endorsements.js';
import { eatCwt, eatJwt, evidenceFormats, psaToken } from './evidence-formats.js';
import { VERIFICATION_PREFIX, verificationRoutes } from './routes-verification.js';
import { ENDORSEMENTS_PREFIX, endorsementRoutes } from './routes-endorsements.js';
import { openDcsStore, type DcsStore } from './store.js';

/** The DCS's interfaces, as their OpenAPI documents describe them. */
export const DCS_INTERFACES: InterfaceInfo[] = [
  {
    prefix: ENDORSEMENTS_PREFIX,
    title: 'DCS endorsement API',
    description:
      "The manufacturer's or operator's side of the Default Credential Server: devices (UEID and attestation key material) and reference values per device class.",
    version: '1.0.0',
    bearer: true,
  },
  {
    prefix: VERIFICATION_PREFIX,
    title: 'DCS verification API',
    description:
      'The Verifier of the RATS background-check model: the relying party sends Evidence (EAT as CWT or JWT, or an Arm PSA token) with the nonce it issued, and gets a signed Attestation Result (EAR).',
    version: '1.0.0',
    bearer: false,
  },
];

export interface DcsConfig {
  store: StoreConfig;
  /** key-encryption key for secrets at rest, 32 bytes */
  kek: Uint8Array;
  /** bearer token of the endorsement (admin) API */
  adminToken: string;
  /** the ES256 key that signs EARs */
  earSigningKey: EarSigningKey;
  logger?: boolean | { level: string };
}

export interface Dcs {
  app: FastifyInstance;
  store: DcsStore;
  endorsements: EndorsementService;
  appraisals: AppraisalService;
  close(): Promise<void>;
}

export async function createDcs(config: DcsConfig): Promise<Dcs> {
  const store = await openDcsStore(config.store);
  const endorsements = new EndorsementService(store, config.kek);
  const appraisals = new AppraisalService(
    endorsements,
    evidenceFormats(eatCwt, eatJwt, psaToken),
    config.earSigningKey,
  );
  const app = createSbiServer({
    name: 'dcs',
    ...(config.logger !== undefined ? { logger: config.logger } : {}),
  });
  await registerOpenApi(app);
  // The documents are public: registered outside the admin routes' bearer hook.
  for (const info of DCS_INTERFACES) serveOpenApi(app, info);
  await app.register(endorsementRoutes, {
    prefix: ENDORSEMENTS_PREFIX,
    service: endorsements,
    adminToken: config.adminToken,
  });
  await app.register(verificationRoutes, { prefix: VERIFICATION_PREFIX, service: appraisals });
  return {
    app,
    store,
    endorsements,
    appraisals,
    async close() {
      await app.close();
      await endorsements.close();
      await store.close();
    },
  };
}
