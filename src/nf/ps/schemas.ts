// JSON schemas of the PS's APIs: Fastify validates requests with them and they feed the OpenAPI
// documents. Semantic checks (the Evidence, the UEID, the SUPI) are the services'.
import { ONBOARDING_CAUSES } from './causes.js';

export const challengeResponse = {
  type: 'object',
  required: ['nonce', 'expiresAt'],
  properties: {
    nonce: {
      type: 'string',
      description: 'base64url of 32 random bytes; answer it once, in eat_nonce',
    },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const sessionView = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['attesting', 'provisioning', 'ready', 'delivered', 'failed'] },
    credentials: {
      type: 'string',
      description:
        'while ready: the credential bundle as a compact JWE (ECDH-ES+A256KW, A256GCM) to the attested cnf key',
    },
    failure: {
      type: 'object',
      required: ['cause', 'detail'],
      properties: {
        cause: {
          type: 'string',
          enum: Object.keys(ONBOARDING_CAUSES),
          description:
            'why the session failed: a refusal found after a deferred appraisal, or a failure after acceptance (see POST /sessions)',
        },
        detail: { type: 'string' },
      },
    },
  },
} as const;

export const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

/** The longest long poll, in seconds: below the usual idle timeouts of proxies. */
export const MAX_WAIT_SECONDS = 30;

export const sessionQuery = {
  type: 'object',
  properties: {
    // A string: query values arrive as text and the SBI server does not coerce types.
    wait: {
      type: 'string',
      pattern: '^(?:[0-9]|[12][0-9]|30)$',
      description: `seconds (0 to ${MAX_WAIT_SECONDS}) to wait for an attesting or provisioning session to move on`,
    },
  },
  additionalProperties: false,
} as const;

export const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'the same key with the same Evidence returns the same session',
    },
  },
} as const;

// The Evidence is the body as it is (bytes): the schemas describe it and accept any value.
export const evidenceBody = {
  content: {
    'application/eat+cwt': {
      schema: {
        description: 'the EAT as a CWT (COSE_Sign1 or COSE_Mac0, CWT tag optional), binary',
        contentMediaType: 'application/eat+cwt',
      },
    },
    'application/eat+jwt': {
      schema: { description: 'the EAT as a compact JWS', contentMediaType: 'application/eat+jwt' },
    },
  },
} as const;

export const ackRequest = {
  type: 'object',
  required: ['ackToken'],
  additionalProperties: false,
  properties: {
    ackToken: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{22,128}$',
      description: 'from the decrypted bundle',
    },
  },
} as const;

export const ueidParams = {
  type: 'object',
  required: ['ueid'],
  properties: { ueid: { type: 'string', maxLength: 66 } },
} as const;

const hex = (digits: number) => ({ type: 'string', pattern: `^[0-9a-fA-F]{${digits}}$` }) as const;

export const preconfiguredInput = {
  type: 'object',
  required: ['supi', 'k', 'opc'],
  additionalProperties: false,
  properties: {
    supi: {
      type: 'string',
      maxLength: 260,
      description: 'imsi-<digits> or nai-<username>@<realm>',
    },
    k: hex(32),
    opc: hex(32),
    amf: hex(4),
    sqn: hex(12),
  },
} as const;

export const preconfiguredRecord = {
  type: 'object',
  required: ['ueid', 'supi', 'used', 'createdAt', 'updatedAt'],
  properties: {
    ueid: { type: 'string' },
    supi: { type: 'string' },
    amf: { type: 'string' },
    sqn: { type: 'string' },
    used: { type: 'boolean' },
    sessionId: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const preconfiguredBatch = {
  type: 'object',
  required: ['credentials'],
  additionalProperties: false,
  properties: {
    credentials: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        ...preconfiguredInput,
        required: ['ueid', ...preconfiguredInput.required],
        properties: { ueid: { type: 'string', maxLength: 66 }, ...preconfiguredInput.properties },
      },
    },
  },
} as const;

export const deviceSessions = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'createdAt'],
        properties: {
          id: { type: 'string' },
          status: sessionView.properties.status,
          supi: { type: 'string' },
          snpn: {
            type: 'object',
            properties: {
              mcc: { type: 'string' },
              mnc: { type: 'string' },
              nid: { type: 'string' },
            },
          },
          policyRule: { type: 'string' },
          earStatus: { type: 'string' },
          failure: sessionView.properties.failure,
          createdAt: { type: 'string' },
          readyAt: { type: 'string' },
          deliveredAt: { type: 'string' },
          revokedAt: { type: 'string' },
        },
      },
    },
  },
} as const;
