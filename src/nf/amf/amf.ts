// The AMF (access front): the UE's registration entry point for Step 3, the project's stand-in
// for NAS registration over the RAN. It serves a configured set of SNPNs and relays primary
// authentication to the AUSF (src/nf/ausf, through its client). Wired into one Fastify plugin, so
// it can run alone or beside other functions in one process (src/cli/serve.ts).
import type { FastifyInstance } from 'fastify';
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import { registerOpenApi, serveOpenApi, type InterfaceInfo } from '../../sbi/openapi.js';
import { createSbiServer } from '../../sbi/server.js';
import { ausfConsumer } from './ausf-consumer.js';
import { RegistrationService } from './registrations.js';
import { REGISTRATION_PREFIX, registrationRoutes } from './routes-registration.js';

/** The AMF's interfaces, as their OpenAPI documents describe them. */
export const AMF_INTERFACES: InterfaceInfo[] = [
  {
    prefix: REGISTRATION_PREFIX,
    title: 'AMF registration API',
    description:
      "The project's stand-in for NAS registration over the RAN: a UE registers in the SNPN it selected with its SUCI and authenticates with 5G AKA (RAND, AUTN; RES* or AUTS) or EAP-AKA' (EAP packets relayed to the AUSF), on the SNPN's serving network name.",
    version: '1.0.0',
    bearer: false,
  },
];

export interface AmfConfig {
  /** the AUSF this AMF relays authentication to */
  ausf: { baseUrl: string; bearerToken?: string; timeoutMs?: number };
  /** the SNPNs this AMF serves (PLMN ID and NID) */
  snpns: SnpnId[];
  /** how long a registration's state is kept, ms (default 120 000) */
  registrationTtlMs?: number;
  /** registrations held at most (default 100 000) */
  maxRegistrations?: number;
  logger?: boolean | { level: string };
}

export interface Amf {
  app: FastifyInstance;
  registrations: RegistrationService;
  close(): Promise<void>;
}

export async function createAmf(config: AmfConfig): Promise<Amf> {
  const app = createSbiServer({
    name: 'amf',
    ...(config.logger !== undefined ? { logger: config.logger } : {}),
  });
  try {
    const registrations = new RegistrationService(
      ausfConsumer(config.ausf),
      config.snpns,
      app.log,
      {
        ...(config.registrationTtlMs !== undefined ? { ttlMs: config.registrationTtlMs } : {}),
        ...(config.maxRegistrations !== undefined
          ? { maxRegistrations: config.maxRegistrations }
          : {}),
      },
    );
    await registerOpenApi(app);
    for (const info of AMF_INTERFACES) serveOpenApi(app, info);
    await app.register(registrationRoutes, { prefix: REGISTRATION_PREFIX, registrations });
    return {
      app,
      registrations,
      async close() {
        await app.close();
      },
    };
  } catch (err) {
    await app.close();
    throw err;
  }
}
