// Nausf_UEAuthentication (/nausf-auth/v1, TS 29.509): handlers only. They parse, call the
// service and map its answers to HTTP; every error is a service's ProblemError or a schema
// violation. With a token configured, every route needs it (the AMF holds it): TS 29.500's mTLS
// and the nausf-auth OAuth2 scope are the production answer, out of scope here.
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../../sbi/bearer-auth.js';
import {
  authCtxIdParams,
  authenticationInfoSchema,
  confirmationDataResponseSchema,
  confirmationDataSchema,
  eapSessionRequestSchema,
  eapSessionResponseSchema,
  ueAuthenticationCtxSchema,
} from './schemas.js';
import type { UeAuthenticationService } from './ue-authentication.js';
import {
  UE_AUTHENTICATION_PREFIX,
  type AuthenticationInfo,
  type ConfirmationData,
  type EapSession,
} from './ue-authentication-types.js';

export { UE_AUTHENTICATION_PREFIX } from './ue-authentication-types.js';

/**
 * TS 29.509 answers POST /ue-authentications with application/3gppHal+json. Written in lower
 * case (media types are case-insensitive): Fastify lower-cases the Content-Type it sends and
 * finds the response schema's serializer under that key; under any other spelling it would
 * fall back to plain JSON.stringify, unfiltered.
 */
const HAL_JSON = 'application/3gpphal+json';

export async function ueAuthenticationRoutes(
  app: FastifyInstance,
  options: { service: UeAuthenticationService; bearerToken?: string | undefined },
): Promise<void> {
  const { service } = options;
  if (options.bearerToken !== undefined) {
    app.addHook('onRequest', requireBearer(options.bearerToken));
  }

  app.post<{ Body: AuthenticationInfo }>(
    '/ue-authentications',
    {
      schema: {
        summary:
          "Start the authentication of a UE (SUPI or SUCI) for a serving network: the 5G SE AV (RAND, AUTN, HXRES*) for 5G AKA, or the EAP-Request/AKA'-Challenge for EAP-AKA', by the subscription's method. With resynchronizationInfo after a 5G AKA synchronisation failure.",
        body: authenticationInfoSchema,
        response: {
          201: {
            description: 'UEAuthenticationCtx; Location names the authentication context',
            content: { [HAL_JSON]: { schema: ueAuthenticationCtxSchema } },
          },
        },
      },
    },
    async (request, reply) => {
      const { authCtxId, body } = await service.authenticate(request.body);
      return reply
        .code(201)
        .header('Location', `${UE_AUTHENTICATION_PREFIX}/ue-authentications/${authCtxId}`)
        .type(HAL_JSON)
        .send(body);
    },
  );

  app.put<{ Params: { authCtxId: string }; Body: ConfirmationData }>(
    '/ue-authentications/:authCtxId/5g-aka-confirmation',
    {
      schema: {
        summary:
          'Confirm a 5G AKA authentication with the RES* the UE returned: AUTHENTICATION_SUCCESS with the SUPI and KSEAF, or AUTHENTICATION_FAILURE. A context is confirmed once.',
        params: authCtxIdParams,
        body: confirmationDataSchema,
        response: { 200: confirmationDataResponseSchema },
      },
    },
    (request) => service.confirm5gAka(request.params.authCtxId, request.body.resStar),
  );

  app.post<{ Params: { authCtxId: string }; Body: EapSession }>(
    '/ue-authentications/:authCtxId/eap-session',
    {
      schema: {
        summary:
          "Pass the UE's EAP-Response on; the answer is the next EAP-Request, or EAP-Success (with the SUPI and KSEAF) or EAP-Failure with authResult.",
        params: authCtxIdParams,
        body: eapSessionRequestSchema,
        response: { 200: eapSessionResponseSchema },
      },
    },
    (request) => service.eapSession(request.params.authCtxId, request.body.eapPayload),
  );
}
