// The DCS verification API (/verification/v1): handlers only.
import type { FastifyInstance } from 'fastify';
import { fromBase64url } from '../../lib/bytes.js';
import { problem } from '../../sbi/problem-details.js';
import type { AppraisalService } from './appraisal.js';

export const VERIFICATION_PREFIX = '/verification/v1';

const base64url = { type: 'string', pattern: '^[A-Za-z0-9_-]*$' } as const;

/** The body of POST /appraisals (bench/dcs-floor-server.ts takes the same). */
export const appraisalRequest = {
  type: 'object',
  required: ['evidence', 'nonce'],
  additionalProperties: false,
  properties: {
    evidence: {
      type: 'object',
      required: ['type', 'value'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', maxLength: 64, description: 'the Evidence media type' },
        value: {
          ...base64url,
          minLength: 1,
          maxLength: 22_000,
          description: 'base64url of the token bytes (or of the JWS text)',
        },
      },
    },
    nonce: {
      ...base64url,
      minLength: 11,
      maxLength: 86,
      description: 'base64url of the nonce the relying party issued (8 to 64 bytes)',
    },
  },
} as const;

const appraisalResponse = {
  type: 'object',
  required: ['ear'],
  properties: {
    ear: { type: 'string', description: 'the EAR, a compact JWS (application/eat+jwt)' },
  },
} as const;

function decodeBase64url(text: string, param: string): Uint8Array {
  const bytes = fromBase64url(text);
  if (!bytes) {
    throw problem(400, 'MANDATORY_IE_INCORRECT', `${param} is not canonical base64url`, [
      { param, reason: 'not canonical base64url' },
    ]);
  }
  return bytes;
}

export async function verificationRoutes(
  app: FastifyInstance,
  options: { service: AppraisalService },
): Promise<void> {
  const { service } = options;

  app.post<{ Body: { evidence: { type: string; value: string }; nonce: string } }>(
    '/appraisals',
    {
      schema: {
        summary:
          'Appraise Evidence against its endorsement and reference values; answer with a signed EAR',
        body: appraisalRequest,
        response: { 200: appraisalResponse },
      },
    },
    async (request) => {
      const { evidence, nonce } = request.body;
      const nonceBytes = decodeBase64url(nonce, '/nonce');
      if (nonceBytes.length < 8 || nonceBytes.length > 64) {
        throw problem(400, 'MANDATORY_IE_INCORRECT', 'the nonce must be 8 to 64 bytes', [
          { param: '/nonce', reason: '8 to 64 bytes' },
        ]);
      }
      const value = decodeBase64url(evidence.value, '/evidence/value');
      const { ear } = await service.appraise(evidence.type, value, nonceBytes);
      return { ear };
    },
  );

  app.get(
    '/keys',
    { schema: { summary: 'The JWKS that verifies the EARs of this DCS' } },
    async () => service.jwks(),
  );
}
