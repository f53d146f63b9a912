// The DCS's typed client: what the Provisioning Server (verification) and the manufacturer's
// tools (endorsements) use to reach it.
import { toBase64url } from '../../lib/bytes.js';
import type { JWK } from 'jose';
import { SbiClient } from '../../sbi/client.js';
import type { DeviceInput, DeviceRecord, ReferenceValues } from './endorsements.js';
import { ENDORSEMENTS_PREFIX } from './routes-endorsements.js';
import { VERIFICATION_PREFIX } from './routes-verification.js';

export type EvidenceType =
  'application/eat+cwt' | 'application/eat+jwt' | 'application/psa-attestation-token';

export interface DcsClientOptions {
  baseUrl: string;
  /** needed for the endorsement API only */
  adminToken?: string;
  timeoutMs?: number;
}

export class DcsClient {
  readonly #sbi: SbiClient;

  constructor(options: DcsClientOptions) {
    this.#sbi = new SbiClient({
      baseUrl: options.baseUrl,
      ...(options.adminToken !== undefined ? { bearerToken: options.adminToken } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** Has Evidence appraised; resolves to the EAR (compact JWS), whatever its status. */
  async appraise(
    evidence: { type: EvidenceType; value: string },
    nonce: Uint8Array,
  ): Promise<string> {
    const { body } = await this.#sbi.request<{ ear: string }>(
      'POST',
      `${VERIFICATION_PREFIX}/appraisals`,
      { json: { evidence, nonce: toBase64url(nonce) }, expect: [200] },
    );
    return body.ear;
  }

  /** The JWKS that verifies this DCS's EARs. */
  async keys(): Promise<{ keys: JWK[] }> {
    const { body } = await this.#sbi.request<{ keys: JWK[] }>(
      'GET',
      `${VERIFICATION_PREFIX}/keys`,
      { expect: [200] },
    );
    return body;
  }

  async putDevice(ueidHex: string, device: DeviceInput): Promise<'created' | 'replaced'> {
    const { status } = await this.#sbi.request(
      'PUT',
      `${ENDORSEMENTS_PREFIX}/devices/${encodeURIComponent(ueidHex)}`,
      { json: device, expect: [200, 201] },
    );
    return status === 201 ? 'created' : 'replaced';
  }

  /** A device's endorsement (a secret AKM only by kind and thumbprint), or undefined if unknown. */
  async getDevice(ueidHex: string): Promise<DeviceRecord | undefined> {
    const { status, body } = await this.#sbi.request<DeviceRecord>(
      'GET',
      `${ENDORSEMENTS_PREFIX}/devices/${encodeURIComponent(ueidHex)}`,
      { expect: [200, 404] },
    );
    return status === 404 ? undefined : body;
  }

  /** A manufacturing batch, all or nothing (the DCS answers 400 with a report per line). */
  async importDevices(devices: (DeviceInput & { ueid: string })[]): Promise<{ imported: number }> {
    const { body } = await this.#sbi.request<{ imported: number }>(
      'POST',
      `${ENDORSEMENTS_PREFIX}/device-batches`,
      { json: { devices }, expect: [201] },
    );
    return body;
  }

  async putClass(deviceClass: string, referenceValues: ReferenceValues): Promise<void> {
    await this.#sbi.request(
      'PUT',
      `${ENDORSEMENTS_PREFIX}/classes/${encodeURIComponent(deviceClass)}`,
      {
        json: referenceValues,
        expect: [200, 201],
      },
    );
  }

  /** The class's reference values, or undefined when the DCS has none. */
  async getClass(deviceClass: string): Promise<ReferenceValues | undefined> {
    const { status, body } = await this.#sbi.request<ReferenceValues & { deviceClass?: string }>(
      'GET',
      `${ENDORSEMENTS_PREFIX}/classes/${encodeURIComponent(deviceClass)}`,
      { expect: [200, 404] },
    );
    if (status === 404) return undefined;
    const { swversions, requireOemboot, dbgstat, measurements } = body;
    return {
      ...(swversions !== undefined ? { swversions } : {}),
      ...(requireOemboot !== undefined ? { requireOemboot } : {}),
      ...(dbgstat !== undefined ? { dbgstat } : {}),
      ...(measurements !== undefined ? { measurements } : {}),
    };
  }

  async revokeDevice(ueidHex: string): Promise<void> {
    await this.#sbi.request(
      'POST',
      `${ENDORSEMENTS_PREFIX}/devices/${encodeURIComponent(ueidHex)}/revocation`,
      { expect: [200, 204] },
    );
  }
}
