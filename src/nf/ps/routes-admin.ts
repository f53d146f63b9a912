// The PS's operator API (/onboarding-admin/v1, bearer token): credentials pre-configured per
// UEID (one by one or in bulk), a device's onboarding sessions, and revocation. Handlers only.
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../../sbi/bearer-auth.js';
import type { OnboardingService } from './onboarding.js';
import { checkUeidHex } from '../../sbi/ueid-param.js';
import type { PreconfiguredCredentials, PreconfiguredInput } from './preconfigured.js';
import type { Provisioning } from './provisioning.js';
import {
  deviceSessions,
  preconfiguredBatch,
  preconfiguredInput,
  preconfiguredRecord,
  ueidParams,
} from './schemas.js';

export const ADMIN_PREFIX = '/onboarding-admin/v1';

export async function adminRoutes(
  app: FastifyInstance,
  options: {
    preconfigured: PreconfiguredCredentials;
    onboarding: OnboardingService;
    provisioning: Provisioning;
    adminToken: string;
  },
): Promise<void> {
  const { preconfigured, onboarding, provisioning } = options;
  app.addHook('onRequest', requireBearer(options.adminToken));

  app.put<{ Params: { ueid: string }; Body: PreconfiguredInput }>(
    '/preconfigured/:ueid',
    {
      schema: {
        summary:
          'Pre-configure credentials for a UEID: create (201) or replace (200); K and OPc are never returned',
        params: ueidParams,
        body: preconfiguredInput,
        response: { 200: preconfiguredRecord, 201: preconfiguredRecord },
      },
    },
    async (request, reply) => {
      const { created, record } = await preconfigured.put(request.params.ueid, request.body);
      if (created) reply.header('Location', `${ADMIN_PREFIX}/preconfigured/${record.ueid}`);
      return reply.code(created ? 201 : 200).send(record);
    },
  );

  app.get<{ Params: { ueid: string } }>(
    '/preconfigured/:ueid',
    {
      schema: {
        summary: "A UEID's pre-configured credentials, without K and OPc",
        params: ueidParams,
        response: { 200: preconfiguredRecord },
      },
    },
    (request) => preconfigured.get(request.params.ueid),
  );

  app.delete<{ Params: { ueid: string } }>(
    '/preconfigured/:ueid',
    { schema: { summary: "Remove a UEID's pre-configured credentials", params: ueidParams } },
    async (request, reply) => {
      await preconfigured.delete(request.params.ueid);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { credentials: (PreconfiguredInput & { ueid: string })[] } }>(
    '/preconfigured-batches',
    {
      schema: {
        summary:
          'Import pre-configured credentials in bulk: all or nothing, with a report per line',
        body: preconfiguredBatch,
      },
      bodyLimit: 8 * 1024 * 1024,
    },
    async (request, reply) =>
      reply.code(201).send(await preconfigured.importBatch(request.body.credentials)),
  );

  app.get<{ Params: { ueid: string } }>(
    '/devices/:ueid/sessions',
    {
      schema: {
        summary: "A device's onboarding sessions, newest first (no secrets)",
        params: ueidParams,
        response: { 200: deviceSessions },
      },
    },
    async (request) => ({ items: await onboarding.sessionsOf(checkUeidHex(request.params.ueid)) }),
  );

  app.post<{ Params: { ueid: string } }>(
    '/devices/:ueid/revocation',
    {
      schema: {
        summary:
          "Revoke a device's credentials: unfinished onboardings fail, the UDM deletes its SUPIs",
        params: ueidParams,
      },
    },
    (request) => provisioning.revokeDevice(checkUeidHex(request.params.ueid)),
  );
}
