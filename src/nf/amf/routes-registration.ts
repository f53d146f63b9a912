// The AMF's registration API (/namf-reg/v1), the project's stand-in for NAS registration over the
// RAN: handlers only. They parse, call the RegistrationService and map its answers to HTTP. No
// token: like the onboarding API, this is where a UE without a session comes in.
import type { FastifyInstance } from 'fastify';
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import type { RegistrationService } from './registrations.js';
import {
  eapRejectedSchema,
  eapSessionRequestSchema,
  eapSessionResponseSchema,
  fiveGAkaRequestSchema,
  fiveGAkaResponseSchema,
  registrationCreatedSchema,
  registrationParams,
  registrationRequestSchema,
} from './schemas.js';

export const REGISTRATION_PREFIX = '/namf-reg/v1';

export async function registrationRoutes(
  app: FastifyInstance,
  options: { registrations: RegistrationService },
): Promise<void> {
  const { registrations } = options;

  app.post<{ Body: { suci: string; snpn: SnpnId } }>(
    '/registrations',
    {
      schema: {
        summary:
          "Register with the SUCI in the selected SNPN: 201 with the 5G AKA challenge or the first EAP-AKA' packet. 403 SNPN_NOT_SERVED; the UDM's causes (USER_NOT_FOUND, a bad SUCI or home network key id) pass through",
        body: registrationRequestSchema,
        response: { 201: registrationCreatedSchema },
      },
    },
    async (request, reply) => {
      const challenge = await registrations.register(request.body.suci, request.body.snpn);
      reply.header('Location', `${REGISTRATION_PREFIX}/registrations/${challenge.id}`);
      return reply.code(201).send(challenge);
    },
  );

  app.put<{ Params: { id: string }; Body: { resStar?: string; auts?: string } }>(
    '/registrations/:id/5g-aka',
    {
      schema: {
        summary:
          '5G AKA: RES* -> AUTHENTICATION_SUCCESS and the SUPI (403 AUTHENTICATION_REJECTED when it does not verify); AUTS after a synchronisation failure -> a fresh challenge',
        params: registrationParams,
        body: fiveGAkaRequestSchema,
        response: { 200: fiveGAkaResponseSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { resStar, auts } = request.body;
      if (auts !== undefined) return registrations.resynchronise5gAka(id, auts);
      return registrations.confirm5gAka(id, resStar!);
    },
  );

  app.post<{ Params: { id: string }; Body: { eapPayload: string } }>(
    '/registrations/:id/eap-session',
    {
      schema: {
        summary:
          "EAP-AKA': relay the UE's EAP-Response; the next EAP-Request, or EAP-Success with the SUPI, or 403 AUTHENTICATION_REJECTED carrying the EAP-Failure",
        params: registrationParams,
        body: eapSessionRequestSchema,
        response: { 200: eapSessionResponseSchema, 403: eapRejectedSchema },
      },
    },
    async (request) => registrations.eapSession(request.params.id, request.body.eapPayload),
  );
}
