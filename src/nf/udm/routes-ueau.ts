// The UDM's UE authentication service (/nudm-ueau/v1, TS 29.503 Nudm_UEAU), the AUSF's side of
// the UDM: handlers only. They parse, call the services and map UdmAuthError to ProblemDetails.
// Authorisation: the same admin bearer token as /nudm-cp/v1 for now. The API hands out
// authentication vectors, so only the AUSF may hold that token; TS 29.500's mTLS and OAuth2
// scope nudm-ueau are the production answer, out of scope here.
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../../sbi/bearer-auth.js';
import type { AuthEventService } from './auth-events.js';
import type { AuthVectorService } from './auth-vectors.js';
import {
  authEventSchema,
  authenticationInfoRequestSchema,
  authenticationInfoResultSchema,
  storedAuthEventSchema,
  supiOrSuciParams,
  ueauSupiParams,
} from './schemas-ueau.js';
import { UdmAuthError } from './ueau-errors.js';
import { UEAU_PREFIX, type AuthEvent, type AuthenticationInfoRequest } from './ueau-types.js';

export { UEAU_PREFIX } from './ueau-types.js';

function mapped(err: unknown): unknown {
  return err instanceof UdmAuthError ? err.toProblem() : err;
}

export async function ueauRoutes(
  app: FastifyInstance,
  options: { authVectors: AuthVectorService; authEvents: AuthEventService; adminToken: string },
): Promise<void> {
  const { authVectors, authEvents } = options;
  app.addHook('onRequest', requireBearer(options.adminToken));

  app.post<{ Params: { supiOrSuci: string }; Body: AuthenticationInfoRequest }>(
    '/:supiOrSuci/security-information/generate-auth-data',
    {
      schema: {
        summary:
          "Generate an authentication vector of the subscription's method (5G HE AV or EAP-AKA' AV) for a SUPI or a SUCI (de-concealed by the SIDF), after a resynchronisation when AUTS is given",
        params: supiOrSuciParams,
        body: authenticationInfoRequestSchema,
        response: { 200: authenticationInfoResultSchema },
      },
    },
    async (request) => {
      try {
        return await authVectors.generateAuthData(request.params.supiOrSuci, request.body);
      } catch (err) {
        throw mapped(err);
      }
    },
  );

  app.post<{ Params: { supi: string }; Body: AuthEvent }>(
    '/:supi/auth-events',
    {
      schema: {
        summary:
          "Store the result of an authentication (the AUSF's confirmation) as the SUPI's latest authentication event",
        params: ueauSupiParams,
        body: authEventSchema,
        response: { 201: storedAuthEventSchema },
      },
    },
    async (request, reply) => {
      const stored = await authEvents.record(request.params.supi, request.body);
      reply.header(
        'Location',
        `${UEAU_PREFIX}/${encodeURIComponent(stored.supi)}/auth-events/${stored.authEventId}`,
      );
      return reply.code(201).send(stored);
    },
  );

  app.get<{ Params: { supi: string } }>(
    '/:supi/auth-events/latest',
    {
      schema: {
        summary: 'Read the latest authentication event of a SUPI',
        params: ueauSupiParams,
        response: { 200: storedAuthEventSchema },
      },
    },
    (request) => authEvents.latest(request.params.supi),
  );
}
