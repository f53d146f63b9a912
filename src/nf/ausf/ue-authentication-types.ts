// The data types of the AUSF's UE authentication service (TS 29.509 Nausf_UEAuthentication) as
// the AMF sends and receives them. Byte strings are hex (lower-case on output, either case on
// input); EAP packets are EapPayload, padded standard base64 (TS 29.509 6.1.6.3).
import type { ResynchronizationInfo } from '../udm/ueau-types.js';

export type { AuthType, ResynchronizationInfo } from '../udm/ueau-types.js';

/** The path prefix of the service. */
export const UE_AUTHENTICATION_PREFIX = '/nausf-auth/v1';

/** The body of POST /ue-authentications (TS 29.509 AuthenticationInfo). */
export interface AuthenticationInfo {
  /** a SUPI (imsi-..., nai-...) or a SUCI, as the UE sent it */
  supiOrSuci: string;
  /** `5G:mncXXX.mccYYY.3gppnetwork.org`, for an SNPN followed by `:<NID, 11 upper-case hex>` */
  servingNetworkName: string;
  /** after a 5G AKA synchronisation failure: the RAND of the refused challenge and the AUTS */
  resynchronizationInfo?: ResynchronizationInfo;
}

/** The 5G SE AV for the SEAF (TS 33.501 6.1.3.2 step 5): no XRES*, no KAUSF. */
export interface Av5gAka {
  /** 32 hex digits */
  rand: string;
  /** 32 hex digits */
  autn: string;
  /** HXRES*, 32 hex digits */
  hxresStar: string;
}

export interface Link {
  href: string;
}

/** The 201 body of POST /ue-authentications (TS 29.509 UEAuthenticationCtx). */
export type UEAuthenticationCtx = (
  | { authType: '5G_AKA'; '5gAuthData': Av5gAka; _links: { '5g-aka': Link } }
  | {
      authType: 'EAP_AKA_PRIME';
      /** EapPayload: the EAP-Request/AKA'-Challenge */
      '5gAuthData': string;
      _links: { 'eap-session': Link };
    }
) & { servingNetworkName: string };

export type AuthResult = 'AUTHENTICATION_SUCCESS' | 'AUTHENTICATION_FAILURE';

/** The body of PUT .../5g-aka-confirmation (TS 29.509 ConfirmationData). */
export interface ConfirmationData {
  /** RES*, 32 hex digits */
  resStar: string;
}

/** The 200 body of PUT .../5g-aka-confirmation (TS 29.509 ConfirmationDataResponse). */
export interface ConfirmationDataResponse {
  authResult: AuthResult;
  /** on success only */
  supi?: string;
  /** KSEAF, 64 hex digits, on success only */
  kseaf?: string;
}

/** The body of POST .../eap-session, and its 200 answer (TS 29.509 EapSession). */
export interface EapSession {
  /** EapPayload: the peer's EAP-Response in, the server's next packet out */
  eapPayload: string;
  /** when the EAP authentication has ended (EAP-Success or EAP-Failure in eapPayload) */
  authResult?: AuthResult;
  /** on success only */
  supi?: string;
  /** KSEAF, 64 hex digits, on success only */
  kSeaf?: string;
  /** while the EAP exchange goes on: where the next EAP-Response goes */
  _links?: { 'eap-session': Link };
}
