// JSON schemas of Nausf_UEAuthentication (TS 29.509): Fastify validates requests with them and
// serialises responses with them (so no XRES*, KAUSF or K_aut can leave by accident), and they
// feed the OpenAPI document. The service repeats the semantic checks for callers without HTTP.

const hex = (digits: number, description: string) =>
  ({ type: 'string', pattern: `^[A-Fa-f0-9]{${digits}}$`, description }) as const;

const servingNetworkName = {
  type: 'string',
  description:
    'TS 29.503 ServingNetworkName: 5G:mncXXX.mccYYY.3gppnetwork.org, for an SNPN followed by :<NID, 11 upper-case hex digits>',
  pattern: '^5G:mnc[0-9]{3}\\.mcc[0-9]{3}\\.3gppnetwork\\.org(:[A-F0-9]{11})?$',
} as const;

const eapPayload = {
  type: 'string',
  description: 'TS 29.509 EapPayload: an EAP packet, padded standard base64',
  maxLength: 4096,
} as const;

const link = {
  type: 'object',
  required: ['href'],
  properties: { href: { type: 'string' } },
} as const;

export const authCtxIdParams = {
  type: 'object',
  required: ['authCtxId'],
  properties: {
    authCtxId: {
      type: 'string',
      description: 'the authentication context, from the Location of POST /ue-authentications',
      pattern: '^[A-Za-z0-9_-]{22}$',
    },
  },
} as const;

/** TS 29.509 AuthenticationInfo. */
export const authenticationInfoSchema = {
  type: 'object',
  required: ['supiOrSuci', 'servingNetworkName'],
  additionalProperties: false,
  properties: {
    supiOrSuci: {
      type: 'string',
      description: 'TS 29.503 SupiOrSuci: the SUPI (imsi-..., nai-...) or the SUCI the UE sent',
      minLength: 1,
      maxLength: 1024,
    },
    servingNetworkName,
    resynchronizationInfo: {
      type: 'object',
      description: 'after a 5G AKA synchronisation failure: the refused RAND and the AUTS',
      required: ['rand', 'auts'],
      additionalProperties: false,
      properties: { rand: hex(32, 'RAND'), auts: hex(28, 'AUTS') },
    },
  },
} as const;

/** TS 29.509 UEAuthenticationCtx, either method. */
export const ueAuthenticationCtxSchema = {
  type: 'object',
  required: ['authType', '5gAuthData', '_links', 'servingNetworkName'],
  properties: {
    authType: { type: 'string', enum: ['5G_AKA', 'EAP_AKA_PRIME'] },
    '5gAuthData': {
      oneOf: [
        {
          type: 'object',
          description: 'Av5gAka: the 5G SE AV',
          required: ['rand', 'autn', 'hxresStar'],
          properties: {
            rand: hex(32, 'RAND'),
            autn: hex(32, 'AUTN'),
            hxresStar: hex(32, 'HXRES*'),
          },
        },
        { ...eapPayload, description: "EapPayload: the EAP-Request/AKA'-Challenge" },
      ],
    },
    _links: {
      type: 'object',
      description: '"5g-aka": the confirmation, or "eap-session": where EAP-Responses go',
      additionalProperties: link,
    },
    servingNetworkName,
  },
} as const;

/** TS 29.509 ConfirmationData. */
export const confirmationDataSchema = {
  type: 'object',
  required: ['resStar'],
  additionalProperties: false,
  properties: { resStar: hex(32, 'RES*') },
} as const;

const authResult = {
  type: 'string',
  enum: ['AUTHENTICATION_SUCCESS', 'AUTHENTICATION_FAILURE'],
} as const;

/** TS 29.509 ConfirmationDataResponse. */
export const confirmationDataResponseSchema = {
  type: 'object',
  required: ['authResult'],
  properties: {
    authResult,
    supi: { type: 'string', description: 'on success' },
    kseaf: hex(64, 'KSEAF, on success'),
  },
} as const;

/** TS 29.509 EapSession, as the AMF sends it. */
export const eapSessionRequestSchema = {
  type: 'object',
  required: ['eapPayload'],
  additionalProperties: false,
  properties: { eapPayload: { ...eapPayload, minLength: 8 } },
} as const;

/** TS 29.509 EapSession, as the AUSF answers. */
export const eapSessionResponseSchema = {
  type: 'object',
  required: ['eapPayload'],
  properties: {
    eapPayload: {
      ...eapPayload,
      description: 'the next EAP-Request, or EAP-Success / EAP-Failure',
    },
    authResult: { ...authResult, description: 'present once the EAP exchange has ended' },
    supi: { type: 'string', description: 'on success' },
    kSeaf: hex(64, 'KSEAF, on success'),
    _links: {
      type: 'object',
      description: 'while the exchange goes on: "eap-session"',
      additionalProperties: link,
    },
  },
} as const;
