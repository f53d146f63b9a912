// The UDM network function (with its UDR): the credential provisioning API the PS pushes
// authentication subscriptions to, and the home network key pairs of the SUCI. Wired into one
// Fastify plugin, so it can run alone or beside other functions in one process (src/cli/serve.ts).
// Issue 5 adds the SIDF and UE authentication beside it, on the same services and store.
import type { FastifyInstance } from 'fastify';
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
import { openUdmStore, type UdmStore } from './store.js';

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
  logger?: boolean | { level: string };
}

export interface Udm {
  app: FastifyInstance;
  store: UdmStore;
  subscriptions: AuthenticationSubscriptionService;
  homeNetworkKeys: HomeNetworkKeyService;
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
    await registerOpenApi(app);
    // The documents are public: registered outside the routes' bearer hook.
    for (const info of UDM_INTERFACES) serveOpenApi(app, info);
    await app.register(credentialProvisioningRoutes, {
      prefix: CREDENTIAL_PROVISIONING_PREFIX,
      subscriptions,
      homeNetworkKeys,
      adminToken: config.adminToken,
    });
    return {
      app,
      store,
      subscriptions,
      homeNetworkKeys,
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
