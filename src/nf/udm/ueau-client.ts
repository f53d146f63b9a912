// The typed client of the UDM's UE authentication service (Nudm_UEAU), what the AUSF uses:
// generate-auth-data for a SUPI or SUCI, and the authentication result afterwards. Failures are
// SbiClientError with the UDM's cause (USER_NOT_FOUND, SERVING_NETWORK_NOT_AUTHORIZED,
// AUTHENTICATION_REJECTED, INVALID_HN_PUBLIC_KEY_IDENTIFIER, INVALID_SCHEME_OUTPUT,
// UNSUPPORTED_PROTECTION_SCHEME, MANDATORY_IE_INCORRECT; see ueau-errors.ts).
import { SbiClient } from '../../sbi/client.js';
import {
  UEAU_PREFIX,
  type AuthEvent,
  type AuthenticationInfoRequest,
  type AuthenticationInfoResult,
  type StoredAuthEvent,
} from './ueau-types.js';

export type * from './ueau-types.js';

export interface UdmUeauClientOptions {
  baseUrl: string;
  /** the UDM's admin token, for now (see routes-ueau.ts) */
  bearerToken: string;
  timeoutMs?: number;
}

const encode = encodeURIComponent;

export class UdmUeauClient {
  readonly #sbi: SbiClient;

  constructor(options: UdmUeauClientOptions) {
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      bearerToken: options.bearerToken,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** A fresh authentication vector for the subscriber a SUPI or SUCI names. */
  async generateAuthData(
    supiOrSuci: string,
    req: AuthenticationInfoRequest,
  ): Promise<AuthenticationInfoResult> {
    const { body } = await this.#sbi.request<AuthenticationInfoResult>(
      'POST',
      `${UEAU_PREFIX}/${encode(supiOrSuci)}/security-information/generate-auth-data`,
      { json: req, expect: [200] },
    );
    return body;
  }

  /** Reports the result of an authentication (ConfirmAuth). */
  async authEvent(supi: string, ev: AuthEvent): Promise<void> {
    await this.#sbi.request('POST', `${UEAU_PREFIX}/${encode(supi)}/auth-events`, {
      json: ev,
      expect: [201],
    });
  }

  /** The latest authentication event of a SUPI; SbiClientError 404 when none. */
  async latestAuthEvent(supi: string): Promise<StoredAuthEvent> {
    const { body } = await this.#sbi.request<StoredAuthEvent>(
      'GET',
      `${UEAU_PREFIX}/${encode(supi)}/auth-events/latest`,
      { expect: [200] },
    );
    return body;
  }
}
