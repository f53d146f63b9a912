// An AUSF in front of a real UDM, both listening on loopback, for tests over HTTP: the AMF's
// side is AusfClient; subscriptions are provisioned through UdmClient as the PS does; the UE's
// side is src/lib/aka/usim.ts and the EAP library, with the keys the test checks recomputed here
// with node:crypto (TS 33.220 B.2 KDF, RFC 9048 PRF').
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servingNetworkName } from '../../../src/lib/aka/serving-network-name.js';
import { UsimSqnArray } from '../../../src/lib/aka/sqn.js';
import { checkAuthentication, type AuthCheckResult } from '../../../src/lib/aka/usim.js';
import { AusfClient } from '../../../src/nf/ausf/client.js';
import { createAusf, type Ausf, type AusfConfig } from '../../../src/nf/ausf/ausf.js';
import { UdmClient } from '../../../src/nf/udm/client.js';
import { UdmUeauClient } from '../../../src/nf/udm/ueau-client.js';
import type { StoreConfig } from '../../../src/store/store-config.js';
import { ADMIN_TOKEN, createTestUdm, type TestUdm } from '../udm/test-udm.js';
import { kdfHere, prfPrime } from '../../reference-kdf.js';

export const AUSF_TOKEN = 'ausf-test-token-0123456789abcdef';
export const SNPN = { mcc: '001', mnc: '01', nid: '000007ED9D5' };
export const SNN = servingNetworkName(SNPN);

export interface TestAusf {
  udm: TestUdm;
  udmUrl: string;
  ausf: Ausf;
  ausfUrl: string;
  /** the AMF's view */
  client: AusfClient;
  /** the PS's view of the UDM, to provision */
  udmClient: UdmClient;
  /** to read the UDM's auth events */
  ueau: UdmUeauClient;
  /** starts another AUSF on the same UDM with a changed config (closed by close()) */
  another(change: Partial<AusfConfig>): Promise<{ ausf: Ausf; client: AusfClient }>;
  close(): Promise<void>;
}

export async function createTestAusf(
  options: { store?: StoreConfig; config?: Partial<AusfConfig> } = {},
): Promise<TestAusf> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-test-ausf-'));
  const udm = await createTestUdm({ config: { servingNetworks: [SNPN] } });
  const udmUrl = await udm.udm.app.listen({ host: '127.0.0.1', port: 0 });
  const extra: Ausf[] = [];
  const start = async (change: Partial<AusfConfig>) => {
    const ausf = await createAusf({
      store: options.store ?? { kind: 'sqlite', dataDir: dir },
      udm: { baseUrl: udmUrl, bearerToken: ADMIN_TOKEN },
      adminToken: AUSF_TOKEN,
      logger: false,
      ...options.config,
      ...change,
    });
    const url = await ausf.app.listen({ host: '127.0.0.1', port: 0 });
    return { ausf, url, client: new AusfClient({ baseUrl: url, bearerToken: AUSF_TOKEN }) };
  };
  const first = await start({});
  return {
    udm,
    udmUrl,
    ausf: first.ausf,
    ausfUrl: first.url,
    client: first.client,
    udmClient: new UdmClient({
      baseUrl: udmUrl,
      bearerToken: ADMIN_TOKEN,
      transportKey: udm.config.transportKey,
    }),
    ueau: new UdmUeauClient({ baseUrl: udmUrl, bearerToken: ADMIN_TOKEN }),
    async another(change) {
      const started = await start(change);
      extra.push(started.ausf);
      return { ausf: started.ausf, client: started.client };
    },
    async close() {
      for (const a of extra) await a.close();
      await first.ausf.close();
      await udm.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A fresh IMSI SUPI of the test PLMN, unique in this run. */
export function newImsi(): string {
  counter++;
  return `imsi-00101${String(process.pid % 1e4).padStart(4, '0')}${String(Date.now() % 1e2).padStart(2, '0')}${String(counter).padStart(4, '0')}`;
}

/** The UE: K, OPc and its USIM's SQN array. */
export class TestUe {
  readonly sqnArray: UsimSqnArray;
  constructor(
    readonly supi: string,
    readonly k: Uint8Array,
    readonly opc: Uint8Array,
    sqnArray?: UsimSqnArray,
  ) {
    this.sqnArray = sqnArray ?? new UsimSqnArray();
  }

  static fresh(supi: string): TestUe {
    return new TestUe(supi, new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(16)));
  }

  /** The USIM's verdict on (RAND, AUTN); with `snn`, RES* too. */
  check(randHex: string, autnHex: string, snn?: string): AuthCheckResult {
    return checkAuthentication({
      k: this.k,
      opc: this.opc,
      rand: Buffer.from(randHex, 'hex'),
      autn: Buffer.from(autnHex, 'hex'),
      sqnArray: this.sqnArray,
      ...(snn !== undefined ? { snn } : {}),
    });
  }
}

/** Provisions `ue` at the UDM through UdmClient (initial SQN 32, AMF 8000). */
export async function provision(
  t: TestAusf,
  ue: TestUe,
  method: '5G_AKA' | 'EAP_AKA_PRIME',
): Promise<void> {
  await t.udmClient.putAuthenticationSubscription(ue.supi, {
    authenticationMethod: method,
    k: ue.k,
    opc: ue.opc,
    amf: '8000',
    sqn: '000000000020',
  });
}

// Independent key derivations (node:crypto only).

/** HXRES* / HRES* (TS 33.501 A.5): the last 128 bits of SHA-256(RAND || RES*). */
export function hresStarHere(rand: Uint8Array, resStar: Uint8Array): string {
  return createHash('sha256')
    .update(Buffer.concat([rand, resStar]))
    .digest()
    .subarray(16)
    .toString('hex');
}

/** KSEAF from CK, IK for 5G AKA (TS 33.501 A.2, A.6). */
export function kseaf5gAkaHere(ck: Uint8Array, ik: Uint8Array, autn: Uint8Array): string {
  const kausf = kdfHere(Buffer.concat([ck, ik]), 0x6a, [SNN, autn.subarray(0, 6)]);
  return kdfHere(kausf, 0x6c, [SNN]).toString('hex');
}

/** KSEAF from CK, IK for EAP-AKA' (TS 33.402 A.2, RFC 9048 3.3, TS 33.501 6.1.3.1, A.6). */
export function kseafEapAkaPrimeHere(
  ck: Uint8Array,
  ik: Uint8Array,
  autn: Uint8Array,
  identity: string,
): string {
  const ckIkPrime = kdfHere(Buffer.concat([ck, ik]), 0x20, [SNN, autn.subarray(0, 6)]);
  const key = Buffer.concat([ckIkPrime.subarray(16, 32), ckIkPrime.subarray(0, 16)]);
  // K_encr 16 | K_aut 32 | K_re 32 | MSK 64 | EMSK 64 bytes
  const emsk = prfPrime(key, Buffer.from(`EAP-AKA'${identity}`, 'utf8'), 208).subarray(144);
  return kdfHere(emsk.subarray(0, 32), 0x6c, [SNN]).toString('hex');
}
