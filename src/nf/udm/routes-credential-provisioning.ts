// The UDM credential provisioning API (/nudm-cp/v1): handlers only. They parse, call the
// services and map their answers to HTTP; every error is a service's ProblemError or a schema
// violation. Admin bearer token on every route (the PS calls it with the data dir's token).
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../../sbi/bearer-auth.js';
import type {
  AuthenticationSubscriptionInput,
  AuthenticationSubscriptionService,
} from './authentication-subscriptions.js';
import type { HomeNetworkKeyService } from './home-network-keys.js';
import {
  authenticationSubscriptionRecordSchema,
  authenticationSubscriptionSchema,
  homeNetworkKeysSchema,
  supiParams,
} from './schemas.js';

export const CREDENTIAL_PROVISIONING_PREFIX = '/nudm-cp/v1';

export async function credentialProvisioningRoutes(
  app: FastifyInstance,
  options: {
    subscriptions: AuthenticationSubscriptionService;
    homeNetworkKeys: HomeNetworkKeyService;
    adminToken: string;
  },
): Promise<void> {
  const { subscriptions, homeNetworkKeys } = options;
  app.addHook('onRequest', requireBearer(options.adminToken));

  // Static before parametric: find-my-way matches this path before /:supi.
  app.get(
    '/home-network-keys',
    {
      schema: {
        summary: 'The home network public keys for SUCI concealment (Profile A and B)',
        response: { 200: homeNetworkKeysSchema },
      },
    },
    () => homeNetworkKeys.list(),
  );

  app.put<{ Params: { supi: string }; Body: AuthenticationSubscriptionInput }>(
    '/:supi',
    {
      schema: {
        summary:
          'Provision the authentication subscription of a SUPI: create (201) or replace (200); the same content again is 200 and changes nothing',
        params: supiParams,
        body: authenticationSubscriptionSchema,
        response: {
          200: authenticationSubscriptionRecordSchema,
          201: authenticationSubscriptionRecordSchema,
        },
      },
    },
    async (request, reply) => {
      const { created, record } = await subscriptions.put(request.params.supi, request.body);
      if (created) {
        reply.header(
          'Location',
          `${CREDENTIAL_PROVISIONING_PREFIX}/${encodeURIComponent(record.supi)}`,
        );
      }
      return reply.code(created ? 201 : 200).send(record);
    },
  );

  app.get<{ Params: { supi: string } }>(
    '/:supi',
    {
      schema: {
        summary: 'Read the authentication subscription of a SUPI, without K and OPc',
        params: supiParams,
        response: { 200: authenticationSubscriptionRecordSchema },
      },
    },
    (request) => subscriptions.get(request.params.supi),
  );

  app.delete<{ Params: { supi: string } }>(
    '/:supi',
    {
      schema: {
        summary: 'Revoke: remove the authentication subscription of a SUPI (204, also when absent)',
        params: supiParams,
      },
    },
    async (request, reply) => {
      await subscriptions.delete(request.params.supi);
      return reply.code(204).send();
    },
  );
}
