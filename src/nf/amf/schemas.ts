// JSON schemas of the AMF's registration API (/namf-reg/v1): Fastify validates requests with them,
// serialises responses with them (so KSEAF and KAMF, which the AMF holds, cannot leave), and they
// feed the OpenAPI document.

const hex = (bytes: number, description: string) =>
  ({
    type: 'string',
    pattern: `^[0-9A-Fa-f]{${2 * bytes}}$`,
    description: `${description} (${bytes} bytes, hex)`,
  }) as const;

const eapPayload = {
  type: 'string',
  description: 'an EAP packet, base64 (RFC 4648 clause 4, padded), as TS 29.509 EapPayload',
  minLength: 8,
  maxLength: 8192,
} as const;

/** TS 29.571 PlmnIdNid. */
export const snpnSchema = {
  type: 'object',
  required: ['mcc', 'mnc', 'nid'],
  additionalProperties: false,
  properties: {
    mcc: { type: 'string', pattern: '^[0-9]{3}$' },
    mnc: { type: 'string', pattern: '^[0-9]{2,3}$' },
    nid: { type: 'string', pattern: '^[0-9A-Fa-f]{11}$', description: 'NID, 11 hex digits' },
  },
} as const;

export const registrationRequestSchema = {
  type: 'object',
  required: ['suci', 'snpn'],
  additionalProperties: false,
  properties: {
    suci: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      description:
        'the SUCI (TS 29.503 form suci-..., or the NAI form type<t>.rid<RI>.schid<s>...@realm)',
    },
    snpn: { ...snpnSchema, description: 'the SNPN the UE selected' },
  },
} as const;

export const registrationCreatedSchema = {
  type: 'object',
  description:
    "the registration's id (also in Location) and its first challenge: RAND, AUTN and ABBA for 5G AKA, an EAP-Request for EAP-AKA'",
  required: ['id', 'authMethod'],
  properties: {
    id: { type: 'string' },
    authMethod: { type: 'string', enum: ['5G_AKA', 'EAP_AKA_PRIME'] },
    rand: hex(16, '5G AKA: RAND'),
    autn: hex(16, '5G AKA: AUTN'),
    abba: hex(2, '5G AKA: ABBA (TS 33.501 A.7.1)'),
    eapPayload: { ...eapPayload, description: "EAP-AKA': the first EAP-Request" },
  },
} as const;

export const registrationParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const fiveGAkaRequestSchema = {
  type: 'object',
  description: 'RES* (the UE accepted the challenge), or AUTS (synchronisation failure)',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    resStar: hex(16, 'RES*'),
    auts: hex(14, 'AUTS'),
  },
} as const;

export const fiveGAkaResponseSchema = {
  type: 'object',
  description:
    'after RES*: the result and the SUPI; after AUTS: a fresh challenge (rand, autn, abba)',
  properties: {
    result: { type: 'string', enum: ['AUTHENTICATION_SUCCESS'] },
    supi: { type: 'string' },
    rand: hex(16, 'RAND'),
    autn: hex(16, 'AUTN'),
    abba: hex(2, 'ABBA'),
  },
} as const;

export const eapSessionRequestSchema = {
  type: 'object',
  required: ['eapPayload'],
  additionalProperties: false,
  properties: { eapPayload: { ...eapPayload, description: 'the EAP-Response' } },
} as const;

export const eapSessionResponseSchema = {
  type: 'object',
  description: 'the next EAP-Request; or EAP-Success with the result and the SUPI',
  required: ['eapPayload'],
  properties: {
    eapPayload: { ...eapPayload, description: 'the next EAP-Request, or EAP-Success' },
    result: { type: 'string', enum: ['AUTHENTICATION_SUCCESS'] },
    supi: { type: 'string' },
  },
} as const;

/** 403 of the EAP session: ProblemDetails with the EAP-Failure the UE gets. */
export const eapRejectedSchema = {
  description: 'ProblemDetails (cause AUTHENTICATION_REJECTED) with the EAP-Failure packet',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        required: ['status', 'cause'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          cause: { type: 'string' },
          eapPayload: { ...eapPayload, description: 'EAP-Failure' },
        },
      },
    },
  },
} as const;
