// JSON schemas of the DCS's APIs: Fastify validates requests with them and they feed the OpenAPI
// documents. Semantic checks (UEID structure, key validity) are the service's.

const hex = { type: 'string', pattern: '^(?:[0-9a-fA-F]{2})+$', maxLength: 128 } as const;
export const deviceClassName = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } as const;

export const jwkSchema = {
  type: 'object',
  required: ['kty'],
  properties: {
    kty: { type: 'string', enum: ['EC', 'OKP', 'oct'] },
    crv: { type: 'string', maxLength: 16 },
    x: { type: 'string', maxLength: 128 },
    y: { type: 'string', maxLength: 128 },
    k: { type: 'string', maxLength: 128 },
    d: { type: 'string', maxLength: 128 },
  },
} as const;

export const deviceInputSchema = {
  type: 'object',
  required: ['akm', 'deviceClass'],
  additionalProperties: false,
  properties: {
    akm: jwkSchema,
    deviceClass: deviceClassName,
    oemid: hex,
    hwmodel: hex,
  },
} as const;

export const ueidParams = {
  type: 'object',
  required: ['ueid'],
  properties: { ueid: { type: 'string', maxLength: 66 } },
} as const;

export const classParams = {
  type: 'object',
  required: ['deviceClass'],
  properties: { deviceClass: deviceClassName },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    deviceClass: deviceClassName,
    revoked: { type: 'string', enum: ['true', 'false'] },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    cursor: { type: 'string', pattern: '^[0-9a-f]{1,66}$' },
  },
} as const;

export const batchSchema = {
  type: 'object',
  required: ['devices'],
  additionalProperties: false,
  properties: {
    devices: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        ...deviceInputSchema,
        required: ['ueid', ...deviceInputSchema.required],
        properties: { ueid: { type: 'string', maxLength: 66 }, ...deviceInputSchema.properties },
      },
    },
  },
} as const;

export const referenceValuesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    swversions: {
      type: 'array',
      maxItems: 256,
      items: { type: 'string', minLength: 1, maxLength: 256 },
    },
    requireOemboot: { type: 'boolean' },
    dbgstat: { type: 'array', maxItems: 5, items: { type: 'integer', minimum: 0, maximum: 4 } },
    measurements: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        additionalProperties: false,
        properties: {
          contentType: { type: 'integer', minimum: 0, maximum: 65535 },
          content: { ...hex, maxLength: 8192 },
        },
      },
    },
  },
} as const;
