// The AUSF network function: UE authentication (TS 29.509 Nausf_UEAuthentication) for the AMF,
// 5G AKA and EAP-AKA', on vectors from the UDM (Nudm_UEAU through UdmUeauClient). Wired into one
// Fastify plugin, so it can run alone or beside other functions in one process.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { registerOpenApi, serveOpenApi, type InterfaceInfo } from '../../sbi/openapi.js';
import { createSbiServer } from '../../sbi/server.js';
import type { StoreConfig } from '../../store/store-config.js';
import { UdmUeauClient } from '../udm/ueau-client.js';
import { AuthContextStore } from './auth-contexts.js';
import { UE_AUTHENTICATION_PREFIX, ueAuthenticationRoutes } from './routes-ue-authentication.js';
import { openAusfStore, type AusfStore } from './store.js';
import { UeAuthenticationService, type UdmUeau } from './ue-authentication.js';

/** The AUSF's interfaces, as their OpenAPI documents describe them. */
export const AUSF_INTERFACES: InterfaceInfo[] = [
  {
    prefix: UE_AUTHENTICATION_PREFIX,
    title: 'AUSF UE authentication service (Nausf_UEAuthentication)',
    description:
      "TS 29.509 Nausf_UEAuthentication, what the AMF calls to authenticate a UE with a SUPI or SUCI: 5G AKA (the 5G SE AV, then the RES* confirmation) or EAP-AKA' (RFC 9048; the AUSF is the EAP server, AT_KDF_INPUT is the serving network name), by the subscription's method, on vectors from the UDM; SQN resynchronisation from AUTS; KSEAF to the SEAF on success. Needs the AUSF's bearer token when one is configured (in place of mTLS and the nausf-auth OAuth2 scope).",
    version: '1.0.0',
    bearer: true,
  },
];

/** How long an authentication context waits for the UE's answer, by default. */
const DEFAULT_CONTEXT_LIFETIME_MS = 120_000;
/** How often expired contexts are purged. */
const PURGE_INTERVAL_MS = 60_000;

export interface AusfConfig {
  store: StoreConfig;
  /** the UDM's Nudm_UEAU: base URL and the token it needs */
  udm: { baseUrl: string; bearerToken: string; timeoutMs?: number };
  /** when set, every Nausf request needs Authorization: Bearer <adminToken> */
  adminToken?: string;
  /**
   * key-encryption key for XRES*, K_aut and KAUSF at rest, 32 bytes. Absent: a random key per
   * process, so contexts do not survive a restart (an authentication lasts seconds).
   */
  kek?: Uint8Array;
  /** this AUSF's NF instance id (a UUID); default random per start */
  instanceId?: string;
  /** serving network names this AUSF accepts; absent: any well-formed one (the UDM checks too) */
  servingNetworkNames?: string[];
  /** how long a context waits for the UE (default 120 s) */
  contextLifetimeMs?: number;
  /** the UDM client to use instead of UdmUeauClient (tests) */
  udmClient?: UdmUeau;
  clock?: () => number;
  logger?: boolean | { level: string };
}

export interface Ausf {
  app: FastifyInstance;
  store: AusfStore;
  contexts: AuthContextStore;
  ueAuthentication: UeAuthenticationService;
  close(): Promise<void>;
}

export async function createAusf(config: AusfConfig): Promise<Ausf> {
  const kek = config.kek ?? new Uint8Array(randomBytes(32));
  if (kek.length !== 32) throw new RangeError('the AUSF KEK must be 32 bytes');
  const clock = config.clock ?? Date.now;
  const app = createSbiServer({
    name: 'ausf',
    ...(config.logger !== undefined ? { logger: config.logger } : {}),
  });
  const store = await openAusfStore(config.store);
  let purge: NodeJS.Timeout | undefined;
  try {
    const contexts = new AuthContextStore(
      store,
      kek,
      config.contextLifetimeMs ?? DEFAULT_CONTEXT_LIFETIME_MS,
      clock,
    );
    const udm =
      config.udmClient ??
      new UdmUeauClient({
        baseUrl: config.udm.baseUrl,
        bearerToken: config.udm.bearerToken,
        ...(config.udm.timeoutMs !== undefined ? { timeoutMs: config.udm.timeoutMs } : {}),
      });
    const ueAuthentication = new UeAuthenticationService({
      contexts,
      udm,
      instanceId: config.instanceId ?? randomUUID(),
      servingNetworkNames: config.servingNetworkNames,
      log: app.log,
      clock,
    });
    await registerOpenApi(app);
    // The documents are public: registered outside the routes' bearer hook.
    for (const info of AUSF_INTERFACES) serveOpenApi(app, info);
    await app.register(ueAuthenticationRoutes, {
      prefix: UE_AUTHENTICATION_PREFIX,
      service: ueAuthentication,
      bearerToken: config.adminToken,
    });
    purge = setInterval(() => {
      contexts.purge().catch((err: unknown) => {
        app.log.warn({ err }, 'purging expired authentication contexts failed');
      });
    }, PURGE_INTERVAL_MS);
    purge.unref();
    return {
      app,
      store,
      contexts,
      ueAuthentication,
      async close() {
        clearInterval(purge);
        await app.close();
        await store.close();
      },
    };
  } catch (err) {
    clearInterval(purge);
    await app.close();
    await store.close();
    throw err;
  }
}
