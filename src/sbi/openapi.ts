// OpenAPI 3.1 documents generated from the routes' own JSON schemas (@fastify/swagger), one per
// interface (path prefix). Each operation also documents its ProblemDetails errors and, for admin
// interfaces, the bearer token. `npn-onboard openapi` writes them to openapi/, and a test keeps
// the committed files equal to what the running functions serve.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export interface InterfaceInfo {
  /** the interface's path prefix, e.g. /endorsements/v1 */
  prefix: string;
  title: string;
  description: string;
  version: string;
  /** the interface needs Authorization: Bearer */
  bearer: boolean;
}

const PROBLEM_DETAILS_SCHEMA = {
  type: 'object',
  description: 'TS 29.571 ProblemDetails (RFC 9457)',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    cause: { type: 'string', description: 'application error cause' },
    invalidParams: {
      type: 'array',
      items: {
        type: 'object',
        required: ['param'],
        properties: { param: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

/** Registers the generator; call before the routes are registered. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'npn-onboard', version: '0' } },
  });
}

type Operation = { responses?: Record<string, unknown>; security?: unknown[] };

/** The OpenAPI document of one interface of `app` (which must be ready). */
export function openApiDocument(
  app: FastifyInstance,
  info: InterfaceInfo,
): Record<string, unknown> {
  const all = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [path, operations] of Object.entries(all.paths ?? {})) {
    if (!path.startsWith(`${info.prefix}/`)) continue;
    const ops: Record<string, Operation> = {};
    for (const [method, op] of Object.entries(operations)) {
      ops[method] = {
        ...op,
        responses: {
          ...(op.responses ?? {}),
          default: {
            description: 'an error, as ProblemDetails with a cause',
            content: {
              'application/problem+json': {
                schema: { $ref: '#/components/schemas/ProblemDetails' },
              },
            },
          },
        },
        ...(info.bearer ? { security: [{ bearer: [] }] } : {}),
      };
    }
    paths[path.slice(info.prefix.length)] = ops;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, description: info.description, version: info.version },
    servers: [{ url: info.prefix }],
    paths,
    components: {
      schemas: { ProblemDetails: PROBLEM_DETAILS_SCHEMA },
      ...(info.bearer ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}

/** Serves the interface's document at <prefix>/openapi.json (no token needed to read it). */
export function serveOpenApi(app: FastifyInstance, info: InterfaceInfo): void {
  let cached: Record<string, unknown> | undefined;
  app.get(`${info.prefix}/openapi.json`, { schema: { hide: true } }, async () => {
    cached ??= openApiDocument(app, info);
    return cached;
  });
}
