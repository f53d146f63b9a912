// The AMF's typed client: what the UE agent (src/ue/registration.ts) uses to register. Refusals
// are SbiClientError with the AMF's cause (SNPN_NOT_SERVED, AUTHENTICATION_REJECTED, the UDM's
// causes passed on); an EAP rejection also carries the EAP-Failure (see eapFailureOf).
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import { SbiClient, SbiClientError } from '../../sbi/client.js';
import type {
  EapSessionAnswer,
  FreshChallenge,
  RegistrationAccepted,
  RegistrationChallenge,
} from './registrations.js';
import { REGISTRATION_PREFIX } from './routes-registration.js';

export type {
  EapSessionAnswer,
  FreshChallenge,
  RegistrationAccepted,
  RegistrationChallenge,
} from './registrations.js';

export interface AmfClientOptions {
  baseUrl: string;
  timeoutMs?: number;
}

const at = (id: string, tail: string) =>
  `${REGISTRATION_PREFIX}/registrations/${encodeURIComponent(id)}/${tail}`;

/** The EAP-Failure a 403 of the EAP session carries, if `err` is one. */
export function eapFailureOf(err: unknown): string | undefined {
  if (!(err instanceof SbiClientError)) return undefined;
  const payload = (err.problem as { eapPayload?: unknown } | undefined)?.eapPayload;
  return typeof payload === 'string' ? payload : undefined;
}

export class AmfClient {
  readonly #sbi: SbiClient;

  constructor(options: AmfClientOptions) {
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** Starts a registration: the 5G AKA challenge, or the first EAP-AKA' packet. */
  async register(suci: string, snpn: SnpnId): Promise<RegistrationChallenge> {
    const { body } = await this.#sbi.request<RegistrationChallenge>(
      'POST',
      `${REGISTRATION_PREFIX}/registrations`,
      { json: { suci, snpn }, expect: [201] },
    );
    return body;
  }

  /** 5G AKA: sends RES* (hex). */
  async confirm5gAka(id: string, resStar: string): Promise<RegistrationAccepted> {
    const { body } = await this.#sbi.request<RegistrationAccepted>('PUT', at(id, '5g-aka'), {
      json: { resStar },
      expect: [200],
    });
    return body;
  }

  /** 5G AKA: reports a synchronisation failure with AUTS (hex); a fresh challenge comes back. */
  async resynchronise5gAka(id: string, auts: string): Promise<FreshChallenge> {
    const { body } = await this.#sbi.request<FreshChallenge>('PUT', at(id, '5g-aka'), {
      json: { auts },
      expect: [200],
    });
    return body;
  }

  /** EAP-AKA': sends an EAP-Response (base64); the next packet comes back. */
  async eapSession(id: string, eapPayload: string): Promise<EapSessionAnswer> {
    const { body } = await this.#sbi.request<EapSessionAnswer>('POST', at(id, 'eap-session'), {
      json: { eapPayload },
      expect: [200],
    });
    return body;
  }
}
