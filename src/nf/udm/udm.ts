// The UDM network function (with its UDR): the credential provisioning API the PS pushes
// authentication subscriptions to, and the home network key pairs of the SUCI; the SIDF and the
// UE authentication service the AUSF calls (Nudm_UEAU), on the same services and store. Wired into
// one Fastify plugin, so it can run alone or beside other functions in one process
// (src/cli/serve.ts).
import type { FastifyInstance } from 'fastify';
import type { SnpnId } from '../../lib/aka/serving-network-name.js';
import { registerOpenApi, serveOpenApi, type InterfaceInfo } from '../../sbi/openapi.js';
import { createSbiServer } from '../../sbi/server.js';
import type { StoreConfig } from '../../store/store-config.js';
import {
  AuthenticationSubscriptionService,
  type TransportKey,
} from './authentication-subscriptions.js';
import {
  DEFAULT_HN_KEY_IDS,
  HomeNetworkKeyService,
  checkHnKeyIds,
  type HomeNetworkKeyIds,
} from './home-network-keys.js';
import {
  CREDENTIAL_PROVISIONING_PREFIX,
  credentialProvisioningRoutes,
} from './routes-credential-provisioning.js';
import { AuthEventService } from './auth-events.js';
import { AuthVectorService } from './auth-vectors.js';
import { ueauRoutes } from './routes-ueau.js';
import { Sidf } from './sidf.js';
import { openUdmStore, type UdmStore } from './store.js';
import { UEAU_PREFIX } from './ueau-types.js';

/** The UDM's interfaces, as their OpenAPI documents describe them. */
export const UDM_INTERFACES: InterfaceInfo[] = [
  {
    prefix: CREDENTIAL_PROVISIONING_PREFIX,
    title: 'UDM credential provisioning API',
    description:
      'Where the Provisioning Server puts the authentication subscription (TS 29.505 AuthenticationSubscription: method, K and OPc sealed for transport, AMF, SQN) of each SUPI it provisions, and removes it again; and where it reads the home network public keys for SUCI concealment.',
    version: '1.0.0',
    bearer: true,
  },
  {
    prefix: UEAU_PREFIX,
    title: 'UDM UE authentication service (Nudm_UEAU)',
    description:
      "TS 29.503 Nudm_UEAU, what the AUSF calls: generate-auth-data gives a 5G HE AV (5G AKA) or an EAP-AKA' AV, by the subscription's authentication method, for a SUPI or a SUCI that the UDM's SIDF de-conceals (null scheme, ECIES Profile A and B; IMSI and NAI); SQN per TS 33.102 Annex C, resynchronisation from AUTS; auth-events stores the AUSF's result. Needs the admin bearer token for now (in place of mTLS and the nudm-ueau OAuth2 scope).",
    version: '1.0.0',
    bearer: true,
  },
];

export interface UdmConfig {
  store: StoreConfig;
  /** key-encryption key for K, OPc and the home network private keys at rest, 32 bytes */
  kek: Uint8Array;
  /** bearer token of the credential provisioning (admin) API */
  adminToken: string;
  /** the PS-UDM transport key K and OPc travel sealed under; its id is protectionParameterId */
  transportKey: TransportKey;
  /** the home network key id per ECIES profile (default A 1, B 2), each 0..255 */
  homeNetworkKeyIds?: Partial<HomeNetworkKeyIds>;
  /**
   * The SNPNs this UDM serves: generate-auth-data refuses any other serving network name
   * (403 SERVING_NETWORK_NOT_AUTHORIZED). Absent: any well-formed name is accepted.
   */
  servingNetworks?: SnpnId[];
  logger?: boolean | { level: string };
}

export interface Udm {
  app: FastifyInstance;
  store: UdmStore;
  subscriptions: AuthenticationSubscriptionService;
  homeNetworkKeys: HomeNetworkKeyService;
  /** the SIDF: SUCI -> SUPI with the home network private keys */
  sidf: Sidf;
  /** authentication vectors and the SQN state, for the ueau routes and hostapd's gateway */
  authVectors: AuthVectorService;
  authEvents: AuthEventService;
  close(): Promise<void>;
}

export async function createUdm(config: UdmConfig): Promise<Udm> {
  if (config.kek.length !== 32) throw new RangeError('the UDM KEK must be 32 bytes');
  if (config.transportKey.key.length !== 32) {
    throw new RangeError('the UDM transport key must be 32 bytes');
  }
  const keyIds: HomeNetworkKeyIds = { ...DEFAULT_HN_KEY_IDS, ...config.homeNetworkKeyIds };
  checkHnKeyIds(keyIds);
  const app = createSbiServer({
    name: 'udm',
    ...(config.logger !== undefined ? { logger: config.logger } : {}),
  });
  const store = await openUdmStore(config.store);
  try {
    const subscriptions = new AuthenticationSubscriptionService(
      store,
      config.kek,
      config.transportKey,
      app.log,
    );
    const homeNetworkKeys = new HomeNetworkKeyService(store, config.kek, keyIds, app.log);
    await homeNetworkKeys.ensureKeys();
    const sidf = new Sidf(homeNetworkKeys);
    const authVectors = new AuthVectorService(store, subscriptions, sidf, app.log, {
      ...(config.servingNetworks !== undefined ? { servingNetworks: config.servingNetworks } : {}),
    });
    const authEvents = new AuthEventService(store, app.log);
    await registerOpenApi(app);
    // The documents are public: registered outside the routes' bearer hook.
    for (const info of UDM_INTERFACES) serveOpenApi(app, info);
    await app.register(credentialProvisioningRoutes, {
      prefix: CREDENTIAL_PROVISIONING_PREFIX,
      subscriptions,
      homeNetworkKeys,
      adminToken: config.adminToken,
    });
    await app.register(ueauRoutes, {
      prefix: UEAU_PREFIX,
      authVectors,
      authEvents,
      adminToken: config.adminToken,
    });
    return {
      app,
      store,
      subscriptions,
      homeNetworkKeys,
      sidf,
      authVectors,
      authEvents,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (err) {
    await app.close();
    await store.close();
    throw err;
  }
}
