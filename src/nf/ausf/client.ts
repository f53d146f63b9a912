// The AUSF's typed client: what the AMF uses to authenticate a UE (TS 29.509
// Nausf_UEAuthentication). Failures are SbiClientError with the AUSF's cause: CONTEXT_NOT_FOUND,
// UPSTREAM_SERVER_ERROR, SERVING_NETWORK_NOT_AUTHORIZED, MANDATORY_IE_INCORRECT, and the UDM's
// causes passed on (USER_NOT_FOUND, AUTHENTICATION_REJECTED, INVALID_HN_PUBLIC_KEY_IDENTIFIER,
// INVALID_SCHEME_OUTPUT, ...).
import { SbiClient } from '../../sbi/client.js';
import {
  UE_AUTHENTICATION_PREFIX,
  type AuthenticationInfo,
  type ConfirmationDataResponse,
  type EapSession,
  type UEAuthenticationCtx,
} from './ue-authentication-types.js';

export type * from './ue-authentication-types.js';

export interface AusfClientOptions {
  baseUrl: string;
  /** the AUSF's bearer token, when it is configured with one */
  bearerToken?: string;
  timeoutMs?: number;
}

const contexts = `${UE_AUTHENTICATION_PREFIX}/ue-authentications`;

export class AusfClient {
  readonly #sbi: SbiClient;

  constructor(options: AusfClientOptions) {
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /**
   * POST /ue-authentications: the UEAuthenticationCtx, with `authCtxId` (the last segment of
   * its Location) added for the calls that follow.
   */
  async authenticate(
    req: AuthenticationInfo,
  ): Promise<UEAuthenticationCtx & { authCtxId: string }> {
    const { headers, body } = await this.#sbi.request<UEAuthenticationCtx>('POST', contexts, {
      json: req,
      expect: [201],
    });
    const location = headers.get('location') ?? '';
    const authCtxId = location.slice(location.lastIndexOf('/') + 1);
    return { ...body, authCtxId };
  }

  /** PUT .../5g-aka-confirmation with the UE's RES* (32 hex digits). */
  async confirm5gAka(authCtxId: string, resStar: string): Promise<ConfirmationDataResponse> {
    const { body } = await this.#sbi.request<ConfirmationDataResponse>(
      'PUT',
      `${contexts}/${encodeURIComponent(authCtxId)}/5g-aka-confirmation`,
      { json: { resStar }, expect: [200] },
    );
    return body;
  }

  /** POST .../eap-session with the UE's EAP-Response (EapPayload, base64). */
  async eapSession(authCtxId: string, eapPayload: string): Promise<EapSession> {
    const { body } = await this.#sbi.request<EapSession>(
      'POST',
      `${contexts}/${encodeURIComponent(authCtxId)}/eap-session`,
      { json: { eapPayload }, expect: [200] },
    );
    return body;
  }
}
