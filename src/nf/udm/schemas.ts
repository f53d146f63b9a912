// JSON schemas of the UDM's credential provisioning API: Fastify validates requests with them,
// serialises responses with them (so nothing outside them, K and OPc least of all, can leave), and
// they feed the OpenAPI document. The service repeats the semantic checks for callers without HTTP.

const sealedValue = {
  type: 'string',
  description: 'sealed under the transport key: "v1." + base64url(IV || ciphertext || tag)',
  pattern: '^v1\\.[A-Za-z0-9_-]+$',
  maxLength: 256,
} as const;

const sequenceNumberSchema = {
  type: 'object',
  required: ['sqnScheme', 'sqn'],
  additionalProperties: false,
  properties: {
    sqnScheme: { type: 'string', enum: ['NON_TIME_BASED'] },
    sqn: { type: 'string', pattern: '^[0-9A-Fa-f]{12}$' },
  },
} as const;

const notAfterSchema = {
  type: 'string',
  format: 'date-time',
  maxLength: 64,
  description:
    "not in TS 29.505: the end of the credentials' validity (the notAfter of the bundle the device got); from then on the UDM refuses to authenticate with them (AUTHENTICATION_REJECTED). Absent: no end.",
} as const;

/** TS 29.505 AuthenticationSubscription, as the PS sends it (K and OPc sealed for transport). */
export const authenticationSubscriptionSchema = {
  type: 'object',
  required: [
    'authenticationMethod',
    'encPermanentKey',
    'encOpcKey',
    'protectionParameterId',
    'authenticationManagementField',
    'algorithmId',
    'sequenceNumber',
  ],
  additionalProperties: false,
  properties: {
    authenticationMethod: { type: 'string', enum: ['5G_AKA', 'EAP_AKA_PRIME'] },
    encPermanentKey: sealedValue,
    encOpcKey: sealedValue,
    protectionParameterId: {
      type: 'string',
      description: 'the id of the transport key K and OPc are sealed under',
      minLength: 1,
      maxLength: 64,
    },
    authenticationManagementField: { type: 'string', pattern: '^[0-9A-Fa-f]{4}$' },
    algorithmId: { type: 'string', enum: ['milenage'] },
    sequenceNumber: sequenceNumberSchema,
    notAfter: notAfterSchema,
  },
} as const;

/** What GET and PUT return: the subscription without K and OPc. */
export const authenticationSubscriptionRecordSchema = {
  type: 'object',
  required: [
    'supi',
    'authenticationMethod',
    'authenticationManagementField',
    'algorithmId',
    'sequenceNumber',
    'createdAt',
    'updatedAt',
  ],
  additionalProperties: false,
  properties: {
    supi: { type: 'string' },
    authenticationMethod: { type: 'string', enum: ['5G_AKA', 'EAP_AKA_PRIME'] },
    authenticationManagementField: { type: 'string' },
    algorithmId: { type: 'string' },
    sequenceNumber: sequenceNumberSchema,
    notAfter: notAfterSchema,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const supiParams = {
  type: 'object',
  required: ['supi'],
  properties: {
    supi: {
      type: 'string',
      description: 'TS 29.571 Supi: imsi-<5 to 15 digits> or nai-<username>@<realm>',
      maxLength: 257,
    },
  },
} as const;

export const homeNetworkKeysSchema = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scheme', 'hnKeyId', 'hnPublicKey'],
        additionalProperties: false,
        properties: {
          scheme: { type: 'string', enum: ['A', 'B'] },
          hnKeyId: { type: 'integer', minimum: 0, maximum: 255 },
          hnPublicKey: {
            type: 'string',
            description:
              'hex: raw X25519 key (A, 32 bytes) or compressed P-256 point (B, 33 bytes)',
          },
        },
      },
    },
  },
} as const;
