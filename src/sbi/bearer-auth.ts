// Bearer-token authorisation for admin APIs (RFC 6750). The comparison is over SHA-256 digests
// with timingSafeEqual, so neither the token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem } from './problem-details.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A Fastify onRequest hook that admits only `Authorization: Bearer <token>`. */
export function requireBearer(
  token: string,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (token.length < 16) throw new RangeError('an admin token must have at least 16 characters');
  const expected = digest(token);
  return async (request, reply) => {
    reply.header('WWW-Authenticate', 'Bearer realm="admin"');
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/.exec(header) : null;
    if (!m) {
      throw problem(401, 'UNAUTHORIZED', 'this API needs Authorization: Bearer <admin token>');
    }
    if (!timingSafeEqual(digest(m[1]!), expected)) {
      throw problem(401, 'UNAUTHORIZED', 'the bearer token is not valid for this API');
    }
    reply.removeHeader('WWW-Authenticate');
  };
}
