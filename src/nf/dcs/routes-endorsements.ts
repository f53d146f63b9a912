// The DCS endorsement API (/endorsements/v1): handlers only. They parse, call the service and
// map its answers to HTTP; every error is the service's ProblemError or a schema violation.
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../../sbi/bearer-auth.js';
import type { DeviceInput, EndorsementService, ReferenceValues } from './endorsements.js';
import {
  batchSchema,
  classParams,
  deviceInputSchema,
  listQuery,
  referenceValuesSchema,
  ueidParams,
} from './schemas.js';

export const ENDORSEMENTS_PREFIX = '/endorsements/v1';

export async function endorsementRoutes(
  app: FastifyInstance,
  options: { service: EndorsementService; adminToken: string },
): Promise<void> {
  const { service } = options;
  app.addHook('onRequest', requireBearer(options.adminToken));

  app.put<{ Params: { ueid: string }; Body: DeviceInput }>(
    '/devices/:ueid',
    {
      schema: {
        summary: 'Endorse a device: create (201) or replace (200) its record',
        params: ueidParams,
        body: deviceInputSchema,
      },
    },
    async (request, reply) => {
      const { created, record } = await service.putDevice(request.params.ueid, request.body);
      if (created) reply.header('Location', `${ENDORSEMENTS_PREFIX}/devices/${record.ueid}`);
      return reply.code(created ? 201 : 200).send(record);
    },
  );

  app.get<{ Params: { ueid: string } }>(
    '/devices/:ueid',
    {
      schema: {
        summary: 'Read a device record (a secret AKM only by kind and thumbprint)',
        params: ueidParams,
      },
    },
    (request) => service.getDevice(request.params.ueid),
  );

  app.delete<{ Params: { ueid: string } }>(
    '/devices/:ueid',
    { schema: { summary: 'Remove a device record', params: ueidParams } },
    async (request, reply) => {
      await service.deleteDevice(request.params.ueid);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { ueid: string } }>(
    '/devices/:ueid/revocation',
    {
      schema: {
        summary: 'Revoke a device: its Evidence appraises as contraindicated from then on',
        params: ueidParams,
      },
    },
    (request) => service.revokeDevice(request.params.ueid),
  );

  app.get<{ Params: { ueid: string }; Querystring: { limit?: string } }>(
    '/devices/:ueid/appraisals',
    {
      schema: {
        summary: 'The audit trail of appraisals of a UEID, newest first',
        params: ueidParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' } },
        },
      },
    },
    async (request) => ({
      items: await service.appraisalsOf(
        request.params.ueid,
        request.query.limit !== undefined ? Number(request.query.limit) : undefined,
      ),
    }),
  );

  app.get<{
    Querystring: {
      deviceClass?: string;
      revoked?: 'true' | 'false';
      limit?: string;
      cursor?: string;
    };
  }>(
    '/devices',
    {
      schema: {
        summary: 'List devices in UEID order, with paging (cursor) and filters',
        querystring: listQuery,
      },
    },
    (request) => {
      const q = request.query;
      return service.listDevices({
        ...(q.deviceClass !== undefined ? { deviceClass: q.deviceClass } : {}),
        ...(q.revoked !== undefined ? { revoked: q.revoked === 'true' } : {}),
        ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
    },
  );

  app.post<{ Body: { devices: (DeviceInput & { ueid: string })[] } }>(
    '/device-batches',
    {
      schema: {
        summary: 'Import a manufacturing batch: all or nothing, with a report per line',
        body: batchSchema,
      },
      bodyLimit: 8 * 1024 * 1024,
    },
    async (request, reply) => reply.code(201).send(await service.importBatch(request.body.devices)),
  );

  app.put<{ Params: { deviceClass: string }; Body: ReferenceValues }>(
    '/classes/:deviceClass',
    {
      schema: {
        summary: 'Set the reference values of a device class',
        params: classParams,
        body: referenceValuesSchema,
      },
    },
    async (request, reply) => {
      const { created } = await service.putClass(request.params.deviceClass, request.body);
      return reply
        .code(created ? 201 : 200)
        .send(await service.getClass(request.params.deviceClass));
    },
  );

  app.get<{ Params: { deviceClass: string } }>(
    '/classes/:deviceClass',
    { schema: { summary: 'Read the reference values of a device class', params: classParams } },
    (request) => service.getClass(request.params.deviceClass),
  );

  app.delete<{ Params: { deviceClass: string } }>(
    '/classes/:deviceClass',
    { schema: { summary: 'Remove the reference values of a device class', params: classParams } },
    async (request, reply) => {
      await service.deleteClass(request.params.deviceClass);
      return reply.code(204).send();
    },
  );
}
