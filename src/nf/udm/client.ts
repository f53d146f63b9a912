// The UDM's typed client: what the Provisioning Server (and the NEF, later) uses to put and
// remove authentication subscriptions and to read the home network public keys. K and OPc are
// sealed here with the transport key the UDM shares, bound to the SUPI, before they leave.
import { seal } from '../../lib/seal.js';
import { SbiClient } from '../../sbi/client.js';
import {
  transportAad,
  type AuthMethod,
  type AuthenticationSubscriptionInput,
  type AuthenticationSubscriptionRecord,
  type TransportKey,
} from './authentication-subscriptions.js';
import type { HomeNetworkPublicKey } from './home-network-keys.js';
import { CREDENTIAL_PROVISIONING_PREFIX } from './routes-credential-provisioning.js';

export type { AuthenticationSubscriptionRecord } from './authentication-subscriptions.js';
export type { HomeNetworkPublicKey } from './home-network-keys.js';

export interface UdmClientOptions {
  baseUrl: string;
  /** the admin token of the UDM's credential provisioning API */
  bearerToken: string;
  /** the transport key shared with the UDM (data dir file udm-transport-key) */
  transportKey: TransportKey;
  timeoutMs?: number;
}

export interface AuthenticationSubscriptionValues {
  authenticationMethod: AuthMethod;
  /** 16 bytes */
  k: Uint8Array;
  /** 16 bytes */
  opc: Uint8Array;
  /** 4 hex digits */
  amf: string;
  /** 12 hex digits */
  sqn: string;
  /** RFC 3339: the end of the credentials' validity; the UDM authenticates no one after it */
  notAfter?: string;
}

const path = (supi: string) => `${CREDENTIAL_PROVISIONING_PREFIX}/${encodeURIComponent(supi)}`;

export class UdmClient {
  readonly #sbi: SbiClient;
  readonly #transportKey: TransportKey;

  constructor(options: UdmClientOptions) {
    if (options.transportKey.key.length !== 32) {
      throw new RangeError('the UDM transport key must be 32 bytes');
    }
    this.#transportKey = { id: options.transportKey.id, key: options.transportKey.key };
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      bearerToken: options.bearerToken,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** PUT: 'created' for a new SUPI, 'replaced' otherwise (also when the content was the same). */
  async putAuthenticationSubscription(
    supi: string,
    values: AuthenticationSubscriptionValues,
  ): Promise<'created' | 'replaced'> {
    const { key, id } = this.#transportKey;
    const body: AuthenticationSubscriptionInput = {
      authenticationMethod: values.authenticationMethod,
      encPermanentKey: seal(key, values.k, transportAad(supi, 'encPermanentKey')),
      encOpcKey: seal(key, values.opc, transportAad(supi, 'encOpcKey')),
      protectionParameterId: id,
      authenticationManagementField: values.amf,
      algorithmId: 'milenage',
      sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: values.sqn },
      ...(values.notAfter !== undefined ? { notAfter: values.notAfter } : {}),
    };
    const { status } = await this.#sbi.request('PUT', path(supi), {
      json: body,
      expect: [200, 201],
    });
    return status === 201 ? 'created' : 'replaced';
  }

  /** DELETE: resolves also when the UDM had no subscription for the SUPI. */
  async deleteAuthenticationSubscription(supi: string): Promise<void> {
    await this.#sbi.request('DELETE', path(supi), { expect: [204] });
  }

  /** The subscription without K and OPc; SbiClientError 404 (USER_NOT_FOUND) when absent. */
  async getAuthenticationSubscription(supi: string): Promise<AuthenticationSubscriptionRecord> {
    const { body } = await this.#sbi.request<AuthenticationSubscriptionRecord>('GET', path(supi), {
      expect: [200],
    });
    return body;
  }

  /** The home network public keys for SUCI concealment, one per ECIES profile. */
  async homeNetworkKeys(): Promise<{ keys: HomeNetworkPublicKey[] }> {
    const { body } = await this.#sbi.request<{ keys: HomeNetworkPublicKey[] }>(
      'GET',
      `${CREDENTIAL_PROVISIONING_PREFIX}/home-network-keys`,
      { expect: [200] },
    );
    return body;
  }
}
