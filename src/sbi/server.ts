// The server factory every network function uses: Fastify with JSON-schema validation, body and
// parameter limits, pino logging with secrets redacted, and one error mapping, so that every
// failure a client can cause is a ProblemDetails with a cause and nothing is ever a bare 500 or
// a stack trace.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { PROBLEM_JSON, ProblemError, problem, type InvalidParam } from './problem-details.js';

export interface SbiServerOptions {
  /** the network function's name, in logs */
  name: string;
  /** pino logger options, or false for none (tests) */
  logger?: boolean | { level: string };
  /** largest request body accepted, bytes (default 64 KiB) */
  bodyLimit?: number;
}

/** Log paths that may carry secrets: tokens and bodies are never logged. */
export const REDACTED_LOG_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.body'];

export function createSbiServer(options: SbiServerOptions): FastifyInstance {
  const logger =
    options.logger === false || options.logger === undefined
      ? false
      : {
          level: options.logger === true ? 'info' : options.logger.level,
          name: options.name,
          redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
        };
  const app = Fastify({
    logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    // A maximal NAI SUPI or SUCI (TS 23.003: up to 253-octet realms) fits in one path parameter.
    routerOptions: { maxParamLength: 1024 },
    // A stopping function closes idle keep-alive connections instead of waiting them out.
    forceCloseConnections: 'idle',
    // Validation errors are collected (allErrors) so invalidParams can list every one.
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
    return503OnClosing: true,
    // The router's own refusals (a path parameter too long, a malformed URL) as ProblemDetails.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const p = problem(
        tooLong ? 414 : 400,
        'MANDATORY_IE_INCORRECT',
        tooLong
          ? 'a path parameter is longer than 1024 characters'
          : `the URL of ${request.method} cannot be decoded`,
      ).problem;
      void (reply as FastifyReply).code(p.status).type(PROBLEM_JSON).send(p);
    },
  });

  app.setNotFoundHandler((request, reply) => {
    const p = problem(
      404,
      'RESOURCE_URI_STRUCTURE_NOT_FOUND',
      `no resource ${request.method} ${request.url.split('?')[0] ?? ''}`,
    ).problem;
    return reply.code(404).type(PROBLEM_JSON).send(p);
  });

  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    const p = toProblem(error);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(p.status).type(PROBLEM_JSON).send(p);
  });

  return app;
}

/** Maps anything a handler or Fastify throws to ProblemDetails. */
export function toProblem(error: unknown): ProblemError['problem'] {
  if (error instanceof ProblemError) return error.problem;
  const e = error as Partial<FastifyError>;
  if (e.validation) {
    const invalidParams: InvalidParam[] = e.validation.map((v) => ({
      param: `${e.validationContext ?? 'body'}${v.instancePath || ''}${
        v.keyword === 'required'
          ? `/${String((v.params as { missingProperty?: string }).missingProperty)}`
          : ''
      }`,
      reason: v.message ?? v.keyword,
    }));
    const missing = e.validation.some((v) => v.keyword === 'required');
    return problem(
      400,
      missing ? 'MANDATORY_IE_MISSING' : 'MANDATORY_IE_INCORRECT',
      `the ${e.validationContext ?? 'request'} does not match the schema`,
      invalidParams,
    ).problem;
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'INVALID_MSG_FORMAT', 'the body is not valid JSON').problem;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'PAYLOAD_TOO_LARGE', 'the body exceeds the size limit').problem;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'this Content-Type is not accepted here')
        .problem;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return problem(e.statusCode, 'INVALID_MSG_FORMAT', 'the request is not acceptable').problem;
  }
  // Never the error's message: it may come from anywhere, including a database or a key.
  return problem(500, 'SYSTEM_FAILURE', 'an internal error occurred; see the server log').problem;
}
