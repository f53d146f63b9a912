// The onboarding API (/onboarding/v1), the one thing an un-provisioned UE can reach: handlers
// only. They parse, call the OnboardingService and map its answers to HTTP.
import type { FastifyInstance } from 'fastify';
import { problem } from '../../sbi/problem-details.js';
import { EVIDENCE_MAX_BYTES, EVIDENCE_MEDIA_TYPES, type EvidenceMediaType } from './evidence.js';
import type { OnboardingService } from './onboarding.js';
import {
  ackRequest,
  challengeResponse,
  evidenceBody,
  idempotencyHeaders,
  sessionParams,
  sessionQuery,
  sessionView,
} from './schemas.js';

export const ONBOARDING_PREFIX = '/onboarding/v1';

export async function onboardingRoutes(
  app: FastifyInstance,
  options: { service: OnboardingService },
): Promise<void> {
  const { service } = options;

  // Evidence arrives as it is: CBOR bytes, or the JWS text (read as bytes, decoded by the service).
  for (const type of EVIDENCE_MEDIA_TYPES) {
    app.addContentTypeParser(
      type,
      { parseAs: 'buffer', bodyLimit: EVIDENCE_MAX_BYTES },
      (_request, body, done) => {
        done(null, body);
      },
    );
  }

  app.post(
    '/challenges',
    {
      schema: {
        summary: 'Get a nonce to put in the Evidence (single use, expires)',
        response: { 201: challengeResponse },
      },
    },
    async (_request, reply) => reply.code(201).send(await service.issueChallenge()),
  );

  app.post<{ Headers: { 'idempotency-key'?: string }; Body: Buffer }>(
    '/sessions',
    {
      schema: {
        summary: 'Send Evidence; the session is appraised, then credentials are provisioned',
        description:
          'The nonce is checked and the DCS appraises the Evidence while this request waits. A refusal ' +
          'answers this request as ProblemDetails with its cause: 400 EVIDENCE_MALFORMED, ' +
          'EVIDENCE_STALE, NONCE_UNKNOWN, NONCE_EXPIRED; 409 NONCE_REUSED, IDEMPOTENCY_KEY_MISMATCH ' +
          '(the same Idempotency-Key with other Evidence); 403 UEID_UNKNOWN, SIGNATURE_INVALID, ' +
          'DEVICE_REVOKED, POLICY_REJECTED, PRECONFIGURED_CREDENTIALS_MISSING; 502 ' +
          'VERIFIER_RESULT_INVALID. An accepted device gets 202 (status provisioning, or attesting ' +
          'when the DCS could not be reached: the appraisal is retried, and a refusal then shows ' +
          'as the failure of the session). Failures after acceptance (SUPI_RANGE_EXHAUSTED, ' +
          'PUSH_FAILED, SUCI_KEY_UNAVAILABLE, VERIFIER_UNAVAILABLE, SUPERSEDED, DELIVERY_TIMEOUT, ' +
          "CREDENTIALS_REVOKED) show in the session's failure. The same Idempotency-Key with the " +
          'same Evidence answers as the first request did.',
        headers: idempotencyHeaders,
        body: evidenceBody,
        response: { 202: sessionView },
      },
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (
        !EVIDENCE_MEDIA_TYPES.includes(mediaType as EvidenceMediaType) ||
        !Buffer.isBuffer(request.body)
      ) {
        throw problem(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `send the Evidence as ${EVIDENCE_MEDIA_TYPES.join(' or ')}`,
        );
      }
      const session = await service.submitEvidence(
        mediaType as EvidenceMediaType,
        new Uint8Array(request.body),
        request.headers['idempotency-key'],
      );
      return reply
        .code(202)
        .header('Location', `${ONBOARDING_PREFIX}/sessions/${session.id}`)
        .send({ id: session.id, status: session.status });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { wait?: string } }>(
    '/sessions/:id',
    {
      schema: {
        summary:
          "A session's status; when ready, the credentials as a JWE only the attested device can open",
        description:
          'With wait=N (seconds, up to 30), a session still attesting or provisioning is answered ' +
          'once it moves on (ready or failed), or after N seconds with its status then: one ' +
          'request instead of polling.',
        params: sessionParams,
        querystring: sessionQuery,
        response: { 200: sessionView },
      },
    },
    (request) => service.status(request.params.id, Number(request.query.wait ?? 0) * 1000),
  );

  app.post<{ Params: { id: string }; Body: { ackToken: string } }>(
    '/sessions/:id/ack',
    {
      schema: {
        summary: 'Acknowledge the credentials with the ackToken found in the bundle',
        description:
          'ready -> delivered; repeating it is harmless. 403 ACK_TOKEN_INVALID for another token, ' +
          '409 SESSION_NOT_READY before ready, 409 SESSION_FAILED on a failed session, 404 ' +
          'SESSION_NOT_FOUND.',
        params: sessionParams,
        body: ackRequest,
        response: { 204: { type: 'null', description: 'delivered' } },
      },
    },
    async (request, reply) => {
      await service.acknowledge(request.params.id, request.body.ackToken);
      return reply.code(204).send();
    },
  );
}
