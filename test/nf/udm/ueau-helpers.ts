// Helpers of the UE authentication tests: provisioning a subscription as the PS does (sealed with
// node:crypto in test-udm.ts), loading a home network private key into the UDM's table, and the
// key derivations of TS 33.220 Annex B computed here with node:crypto alone, so the UDM's KAUSF,
// CK' and IK' are checked against an independent implementation.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestUdm } from './test-udm.js';
import { admin, sealHere } from './test-udm.js';

export interface Provisioned {
  supi: string;
  k: Uint8Array;
  opc: Uint8Array;
  amf: string;
  /** the initial SQN, 12 hex digits */
  sqn: string;
  method: '5G_AKA' | 'EAP_AKA_PRIME';
  /** RFC 3339; absent: no end of validity */
  notAfter?: string;
}

/** PUT /nudm-cp/v1/{supi} with the given (or fresh) K and OPc; expects 200 or 201. */
export async function provision(
  t: TestUdm,
  supi: string,
  values: Partial<Omit<Provisioned, 'supi'>> = {},
): Promise<Provisioned> {
  const p: Provisioned = {
    supi,
    k: values.k ?? new Uint8Array(randomBytes(16)),
    opc: values.opc ?? new Uint8Array(randomBytes(16)),
    amf: values.amf ?? '8000',
    sqn: values.sqn ?? '000000000020',
    method: values.method ?? '5G_AKA',
    ...(values.notAfter !== undefined ? { notAfter: values.notAfter } : {}),
  };
  const key = t.config.transportKey.key;
  const response = await t.udm.app.inject({
    method: 'PUT',
    url: `/nudm-cp/v1/${encodeURIComponent(supi)}`,
    headers: admin,
    payload: {
      authenticationMethod: p.method,
      encPermanentKey: sealHere(key, p.k, `${supi}|encPermanentKey`),
      encOpcKey: sealHere(key, p.opc, `${supi}|encOpcKey`),
      protectionParameterId: t.config.transportKey.id,
      authenticationManagementField: p.amf,
      algorithmId: 'milenage',
      sequenceNumber: { sqnScheme: 'NON_TIME_BASED', sqn: p.sqn },
      ...(p.notAfter !== undefined ? { notAfter: p.notAfter } : {}),
    },
  });
  expect([200, 201]).toContain(response.statusCode);
  return p;
}

/**
 * Puts a home network key pair into the UDM's table as the UDM keeps it (private key sealed
 * under its KEK, aad home_network_key:<scheme>:<id>), e.g. the key of a published SUCI vector.
 */
export async function loadHomeNetworkKey(
  t: TestUdm,
  scheme: 'A' | 'B',
  hnKeyId: number,
  privateKeyHex: string,
  publicKeyHex: string,
): Promise<void> {
  await t.udm.store.db
    .insertInto('home_network_keys')
    .values({
      scheme,
      hn_key_id: hnKeyId,
      public_key: publicKeyHex.toLowerCase(),
      private_key_sealed: sealHere(
        t.config.kek,
        Buffer.from(privateKeyHex, 'hex'),
        `home_network_key:${scheme}:${hnKeyId}`,
      ),
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.columns(['scheme', 'hn_key_id']).doNothing())
    .execute();
}

export const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
export const bytesOf = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

/** SQN_HE after `steps` vectors from `sqn`, TS 33.102 C.3.2 with IND of 5 bits, written out. */
export function sqnAfter(sqn: number, steps: number): number {
  let value = sqn;
  for (let i = 0; i < steps; i++) {
    const seq = Math.floor(value / 32);
    const ind = value % 32;
    value = (seq + 1) * 32 + ((ind + 1) % 32);
  }
  return value;
}

let counter = 0;
/** A fresh IMSI SUPI (MCC 001, MNC 01) unique in this run. */
export function newImsi(): string {
  counter++;
  return `imsi-00101${String(Date.now() % 1e6).padStart(6, '0')}${String(counter).padStart(4, '0')}`;
}
