// The data types of the UDM's UE authentication service (TS 29.503 Nudm_UEAU), as the AUSF sends
// and receives them: what generate-auth-data takes and returns, and the AuthEvent. Byte strings
// are hex (lower-case on output, either case on input), as TS 29.503 writes them.

/** The path prefix of the service. */
export const UEAU_PREFIX = '/nudm-ueau/v1';

/** TS 29.503 AuthType: the subscription's authentication method. */
export type AuthType = '5G_AKA' | 'EAP_AKA_PRIME';

/** RAND of the challenge the USIM refused, and the AUTS it answered (TS 33.102 6.3.5). */
export interface ResynchronizationInfo {
  /** 32 hex digits */
  rand: string;
  /** 28 hex digits */
  auts: string;
}

/** The body of POST /{supiOrSuci}/security-information/generate-auth-data. */
export interface AuthenticationInfoRequest {
  /** `5G:mncXXX.mccYYY.3gppnetwork.org`, for an SNPN followed by `:<NID, 11 upper-case hex>` */
  servingNetworkName: string;
  /** the NF instance id (a UUID) of the AUSF asking */
  ausfInstanceId: string;
  resynchronizationInfo?: ResynchronizationInfo;
  supportedFeatures?: string;
}

/** The 5G HE AV of TS 33.501 6.1.3.2 (the UDM keeps none of it). */
export interface Av5GHeAka {
  avType: '5G_HE_AKA';
  /** 32 hex digits */
  rand: string;
  /** XRES*, 32 hex digits */
  xresStar: string;
  /** 32 hex digits */
  autn: string;
  /** KAUSF, 64 hex digits */
  kausf: string;
}

/** The EAP-AKA' AV of TS 33.501 6.1.3.1 (RFC 9048): CK' and IK' from the serving network name. */
export interface AvEapAkaPrime {
  avType: 'EAP_AKA_PRIME';
  /** 32 hex digits */
  rand: string;
  /** XRES, 16 hex digits (Milenage f2) */
  xres: string;
  /** 32 hex digits */
  autn: string;
  /** CK', 32 hex digits */
  ckPrime: string;
  /** IK', 32 hex digits */
  ikPrime: string;
}

export type AuthenticationVector = Av5GHeAka | AvEapAkaPrime;

/** The answer of generate-auth-data: the vector's type follows authType. */
export type AuthenticationInfoResult = (
  | { authType: '5G_AKA'; authenticationVector: Av5GHeAka }
  | { authType: 'EAP_AKA_PRIME'; authenticationVector: AvEapAkaPrime }
) & {
  /** the SUPI (TS 29.571 string form), de-concealed when the request named a SUCI */
  supi: string;
};

/** The body of POST /{supi}/auth-events: the AUSF's result of one authentication. */
export interface AuthEvent {
  nfInstanceId: string;
  success: boolean;
  /** RFC 3339 date-time */
  timeStamp: string;
  authType: AuthType;
  servingNetworkName: string;
}

/** An AuthEvent as the UDM keeps it: the latest per SUPI. */
export interface StoredAuthEvent extends AuthEvent {
  supi: string;
  authEventId: string;
}
