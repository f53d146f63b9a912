// JSON schemas of the UDM's UE authentication service (TS 29.503 Nudm_UEAU): Fastify validates
// the AUSF's requests with them and serialises the answers with them; they feed the OpenAPI
// document. Names and patterns as TS 29.503 writes them; the serving network name also takes the
// SNPN form (`:<NID>`, 11 upper-case hex digits).
import { supiParams } from './schemas.js';

const hex = (digits: number, description: string) =>
  ({ type: 'string', pattern: `^[A-Fa-f0-9]{${digits}}$`, description }) as const;

const servingNetworkName = {
  type: 'string',
  description:
    'TS 29.503 ServingNetworkName: 5G:mncXXX.mccYYY.3gppnetwork.org, for an SNPN followed by :<NID> (11 upper-case hex digits)',
  pattern: '^5G:mnc[0-9]{3}[.]mcc[0-9]{3}[.]3gppnetwork[.]org(:[A-F0-9]{11})?$',
} as const;

const authType = {
  type: 'string',
  enum: ['5G_AKA', 'EAP_AKA_PRIME'],
  description: 'TS 29.503 AuthType',
} as const;

export const supiOrSuciParams = {
  type: 'object',
  required: ['supiOrSuci'],
  properties: {
    supiOrSuci: {
      type: 'string',
      description:
        'a SUPI (imsi-<digits>, nai-<username>@<realm>) or a SUCI: suci-0-<MCC>-<MNC>-<RI>-<scheme>-<key id>-<output>, suci-1-<realm>-..., or the NAI form type<t>.rid<RI>.schid<s>....@<realm> of TS 23.003 28.7.3',
      minLength: 1,
      maxLength: 2048,
    },
  },
} as const;

/** The same SUPI path parameter as the credential provisioning API's. */
export const ueauSupiParams = supiParams;

/** TS 29.503 AuthenticationInfoRequest. */
export const authenticationInfoRequestSchema = {
  type: 'object',
  required: ['servingNetworkName', 'ausfInstanceId'],
  additionalProperties: false,
  properties: {
    servingNetworkName,
    ausfInstanceId: {
      type: 'string',
      description: 'NfInstanceId of the AUSF (a UUID)',
      minLength: 1,
      maxLength: 64,
    },
    resynchronizationInfo: {
      type: 'object',
      description: 'RAND of the refused challenge and the AUTS the USIM answered',
      required: ['rand', 'auts'],
      additionalProperties: false,
      properties: { rand: hex(32, 'RAND'), auts: hex(28, 'AUTS') },
    },
    supportedFeatures: { type: 'string', pattern: '^[A-Fa-f0-9]*$', maxLength: 64 },
  },
} as const;

const av5gHeAka = {
  type: 'object',
  description: 'TS 29.503 Av5GHeAka',
  required: ['avType', 'rand', 'xresStar', 'autn', 'kausf'],
  additionalProperties: false,
  properties: {
    avType: { type: 'string', const: '5G_HE_AKA' },
    rand: hex(32, 'RAND'),
    xresStar: hex(32, 'XRES*'),
    autn: hex(32, 'AUTN'),
    kausf: hex(64, 'KAUSF'),
  },
} as const;

const avEapAkaPrime = {
  type: 'object',
  description: "TS 29.503 AvEapAkaPrime (CK' and IK' from the serving network name)",
  required: ['avType', 'rand', 'xres', 'autn', 'ckPrime', 'ikPrime'],
  additionalProperties: false,
  properties: {
    avType: { type: 'string', const: 'EAP_AKA_PRIME' },
    rand: hex(32, 'RAND'),
    xres: { type: 'string', pattern: '^[A-Fa-f0-9]{8,32}$', description: 'XRES' },
    autn: hex(32, 'AUTN'),
    ckPrime: hex(32, "CK'"),
    ikPrime: hex(32, "IK'"),
  },
} as const;

/** TS 29.503 AuthenticationInfoResult. */
export const authenticationInfoResultSchema = {
  type: 'object',
  required: ['authType', 'authenticationVector', 'supi'],
  additionalProperties: false,
  properties: {
    authType,
    authenticationVector: { oneOf: [av5gHeAka, avEapAkaPrime] },
    supi: { type: 'string', description: 'the SUPI, de-concealed when a SUCI was given' },
  },
} as const;

/** TS 29.503 AuthEvent, as the AUSF sends it. */
export const authEventSchema = {
  type: 'object',
  required: ['nfInstanceId', 'success', 'timeStamp', 'authType', 'servingNetworkName'],
  additionalProperties: false,
  properties: {
    nfInstanceId: { type: 'string', minLength: 1, maxLength: 64, description: 'the AUSF' },
    success: { type: 'boolean' },
    timeStamp: { type: 'string', format: 'date-time', maxLength: 64 },
    authType,
    servingNetworkName,
  },
} as const;

/** An AuthEvent as stored: the latest per SUPI, with the id its Location named. */
export const storedAuthEventSchema = {
  type: 'object',
  required: [
    'supi',
    'authEventId',
    'nfInstanceId',
    'success',
    'timeStamp',
    'authType',
    'servingNetworkName',
  ],
  additionalProperties: false,
  properties: {
    supi: { type: 'string' },
    authEventId: { type: 'string' },
    nfInstanceId: { type: 'string' },
    success: { type: 'boolean' },
    timeStamp: { type: 'string' },
    authType: { type: 'string' },
    servingNetworkName: { type: 'string' },
  },
} as const;
