// The Provisioning Server (PS), the Relying Party of onboarding: its store, services, worker and
// APIs wired into one Fastify app, so it can run alone or beside other functions in one process.
//
// One onboarding, in reading order:
//   routes-onboarding.ts  the API the UE calls: challenges, sessions, status, ack
//   onboarding.ts         the session's state machine; nonce (challenges.ts), Evidence (evidence.ts)
//   appraisal.ts          the DCS appraises; the EAR is verified; provisioning-policy.ts decides
//   provisioning.ts       credentials issued (credentials.ts), push queued (outbox.ts), then
//                         pushed to the UDM by the worker (worker.ts), bundle built (bundle.ts)
import type { FastifyInstance } from 'fastify';
import { DcsClient } from '../dcs/client.js';
import { UdmClient } from '../udm/client.js';
import { registerOpenApi, serveOpenApi, type InterfaceInfo } from '../../sbi/openapi.js';
import { createSbiServer } from '../../sbi/server.js';
import type { StoreConfig } from '../../store/store-config.js';
import { Appraiser, type DeviceDirectory } from './appraisal.js';
import { ChallengeStore } from './challenges.js';
import type { ProvisioningConfig } from './config.js';
import { CredentialIssuer } from './credentials.js';
import { OnboardingService } from './onboarding.js';
import { Outbox } from './outbox.js';
import { PreconfiguredCredentials } from './preconfigured.js';
import { Provisioning, type CredentialsHolder } from './provisioning.js';
import { BundleThread } from './bundle-thread.js';
import { ADMIN_PREFIX, adminRoutes } from './routes-admin.js';
import { ONBOARDING_PREFIX, onboardingRoutes } from './routes-onboarding.js';
import { openPsStore, type PsStore } from './store.js';
import { SessionWatch } from './session-watch.js';
import { ProvisioningWorker, type WorkerOptions } from './worker.js';

/** The PS's interfaces, as their OpenAPI documents describe them. */
export const PS_INTERFACES: InterfaceInfo[] = [
  {
    prefix: ONBOARDING_PREFIX,
    title: 'PS onboarding API',
    description:
      "What an un-provisioned UE reaches: a challenge (nonce), then Evidence (an EAT as CWT or JWT) that the Provisioning Server has appraised by the DCS; once the SNPN's UDM holds the new credentials, the UE fetches them encrypted to the key its Evidence attested, and acknowledges them.",
    version: '1.0.0',
    bearer: false,
  },
  {
    prefix: ADMIN_PREFIX,
    title: 'PS operator API',
    description:
      "The operator's side of the Provisioning Server: credentials pre-configured per UEID, a device's onboarding sessions, and revocation of a device's credentials.",
    version: '1.0.0',
    bearer: true,
  },
];

export interface PsConfig {
  store: StoreConfig;
  /** key-encryption key for K and OPc at rest, 32 bytes */
  kek: Uint8Array;
  /** bearer token of the operator API; also the PS's token towards the DCS and the UDM by default */
  adminToken: string;
  /** the operator variant key OP, 16 bytes (NPN_ONBOARD_OP or DIR/op; never in the YAML) */
  op: Uint8Array;
  /** DIR/npn-onboard.yaml, from loadConfig (config.ts) */
  provisioning: ProvisioningConfig;
  dcs: { baseUrl: string; adminToken?: string; timeoutMs?: number };
  udm: {
    baseUrl: string;
    bearerToken?: string;
    /** the PS-UDM transport key (DIR/udm-transport-key): K and OPc travel sealed under it */
    transportKey: { id: string; key: Uint8Array };
    timeoutMs?: number;
  };
  logger?: boolean | { level: string };
  worker?: WorkerOptions & {
    /** false: no worker runs (tests drive it with ps.worker.drain()); default true */
    enabled?: boolean;
    /** how long a claimed item belongs to its worker before another may take it (default: the
     * configuration's retry.lease) */
    leaseMs?: number;
  };
  /** milliseconds since the epoch; tests pass their own clock */
  clock?: () => number;
  /**
   * true: bundles are encrypted on a thread of their own (bundle-thread.ts; needs the build,
   * dist/); default false, on the event loop
   */
  bundleThread?: boolean;
}

export interface Ps {
  app: FastifyInstance;
  store: PsStore;
  onboarding: OnboardingService;
  provisioning: Provisioning;
  preconfigured: PreconfiguredCredentials;
  outbox: Outbox;
  worker: ProvisioningWorker;
  /** stops the worker (waiting for the pushes in flight), the server and the store */
  close(): Promise<void>;
}

export async function createPs(config: PsConfig): Promise<Ps> {
  const clock = config.clock ?? Date.now;
  const settings = config.provisioning;
  const leaseMs = config.worker?.leaseMs ?? settings.retry.leaseMs;
  const store = await openPsStore(config.store);
  const app = createSbiServer({
    name: 'ps',
    ...(config.logger !== undefined ? { logger: config.logger } : {}),
  });
  const log = app.log;

  const dcsToken = config.dcs.adminToken ?? config.adminToken;
  const dcs = new DcsClient({
    baseUrl: config.dcs.baseUrl,
    adminToken: dcsToken,
    ...(config.dcs.timeoutMs !== undefined ? { timeoutMs: config.dcs.timeoutMs } : {}),
  });
  const udm: CredentialsHolder = new UdmClient({
    baseUrl: config.udm.baseUrl,
    bearerToken: config.udm.bearerToken ?? config.adminToken,
    transportKey: config.udm.transportKey,
    ...(config.udm.timeoutMs !== undefined ? { timeoutMs: config.udm.timeoutMs } : {}),
  });

  const challenges = new ChallengeStore(store, settings.onboarding.nonceLifetimeMs, clock);
  const appraiser = new Appraiser(dcs, endorsementLookup(dcs), settings.policy);
  const outbox = new Outbox(store, settings.retry, leaseMs, clock);
  const issuer = new CredentialIssuer(store, config.op, config.kek, settings.credentials);
  const watch = new SessionWatch();
  const bundleThread = config.bundleThread ? new BundleThread() : undefined;
  const provisioning = new Provisioning(
    store,
    config.kek,
    settings,
    issuer,
    outbox,
    udm,
    log,
    clock,
    watch,
    bundleThread?.encrypt,
  );
  // The onboarding service wakes the worker when it queued work (called only once both exist).
  const wake = () => worker.wake();
  const onboarding = new OnboardingService(
    store,
    challenges,
    appraiser,
    provisioning,
    settings,
    log,
    clock,
    leaseMs,
    wake,
    watch,
  );
  const worker = new ProvisioningWorker(
    outbox,
    provisioning,
    onboarding,
    challenges,
    log,
    config.worker ?? {},
  );
  const preconfigured = new PreconfiguredCredentials(store, config.kek, clock);

  await registerOpenApi(app);
  for (const info of PS_INTERFACES) serveOpenApi(app, info);
  await app.register(onboardingRoutes, { prefix: ONBOARDING_PREFIX, service: onboarding });
  await app.register(adminRoutes, {
    prefix: ADMIN_PREFIX,
    preconfigured,
    onboarding,
    provisioning,
    adminToken: config.adminToken,
  });
  if (config.worker?.enabled !== false) worker.start();

  return {
    app,
    store,
    onboarding,
    provisioning,
    preconfigured,
    outbox,
    worker,
    async close() {
      watch.close();
      await worker.stop();
      await app.close();
      await bundleThread?.close();
      await store.close();
    },
  };
}

/**
 * The DCS's endorsement of a UEID (device class, revocation), read through its endorsement API
 * with the admin token, through the DCS's client. Asked only when a policy rule matches on the device class, or to tell a
 * revoked device from one whose identity claims differ from its endorsement.
 */
function endorsementLookup(dcs: DcsClient): DeviceDirectory {
  return {
    async deviceOf(ueid) {
      const device = await dcs.getDevice(ueid);
      return device && { deviceClass: device.deviceClass, revoked: device.revoked };
    },
  };
}
