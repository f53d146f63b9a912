// The authentication side of an SNPN for tests over HTTP: UDM, AUSF (test/nf/ausf/test-ausf.ts)
// and an AMF in front, all on loopback. Subscriptions are provisioned through UdmClient as the PS
// does, and the matching credential bundle is made here, as the PS would deliver it.
import { randomBytes } from 'node:crypto';
import type { CredentialBundle, SnpnId } from '../../../src/lib/onboarding/credential-bundle.js';
import { createAmf, type Amf, type AmfConfig } from '../../../src/nf/amf/amf.js';
import { AmfClient } from '../../../src/nf/amf/client.js';
import type { StoreConfig } from '../../../src/store/store-config.js';
import {
  AUSF_TOKEN,
  createTestAusf,
  newImsi,
  SNN,
  SNPN,
  type TestAusf,
} from '../ausf/test-ausf.js';

export { SNN, SNPN };

export interface TestNetwork {
  ausf: TestAusf;
  amf: Amf;
  amfUrl: string;
  amfClient: AmfClient;
  /** provisions a fresh subscription at the UDM and returns the bundle a device would hold */
  provision(options?: ProvisionOptions): Promise<CredentialBundle>;
  close(): Promise<void>;
}

export interface ProvisionOptions {
  supi?: 'imsi' | 'nai' | string;
  scheme?: 'null' | 'A' | 'B';
  method?: '5G_AKA' | 'EAP_AKA_PRIME';
  /** the SQN the UDM starts from (default 000000000020); the bundle gets `bundleSqn` or this */
  sqn?: string;
  bundleSqn?: string;
  /** K and OPc (hex); fresh random ones otherwise */
  k?: string;
  opc?: string;
}

let nai = 0;

export async function createTestNetwork(
  options: { store?: StoreConfig; amf?: Partial<AmfConfig>; snpns?: SnpnId[] } = {},
): Promise<TestNetwork> {
  const ausf = await createTestAusf(options.store !== undefined ? { store: options.store } : {});
  let amf: Amf | undefined;
  try {
    amf = await createAmf({
      ausf: { baseUrl: ausf.ausfUrl, bearerToken: AUSF_TOKEN },
      snpns: options.snpns ?? [SNPN],
      logger: false,
      ...options.amf,
    });
    const amfUrl = await amf.app.listen({ host: '127.0.0.1', port: 0 });
    const { keys } = await ausf.udmClient.homeNetworkKeys();
    const created = amf;
    return {
      ausf,
      amf: created,
      amfUrl,
      amfClient: new AmfClient({ baseUrl: amfUrl }),
      async provision(p = {}) {
        const kind = p.supi ?? 'imsi';
        const supi =
          kind === 'imsi'
            ? newImsi()
            : kind === 'nai'
              ? `nai-ue${process.pid}x${++nai}@snpn.example.org`
              : kind;
        const k = p.k ?? randomBytes(16).toString('hex');
        const opc = p.opc ?? randomBytes(16).toString('hex');
        const method = p.method ?? '5G_AKA';
        const sqn = p.sqn ?? '000000000020';
        await ausf.udmClient.putAuthenticationSubscription(supi, {
          authenticationMethod: method,
          k: Buffer.from(k, 'hex'),
          opc: Buffer.from(opc, 'hex'),
          amf: '8000',
          sqn,
        });
        const scheme = p.scheme ?? 'null';
        const key = keys.find((x) => x.scheme === scheme);
        return {
          supi,
          k,
          opc,
          amf: '8000',
          sqn: p.bundleSqn ?? sqn,
          authMethod: method,
          snpn: { ...SNPN },
          suci:
            scheme === 'null' || key === undefined
              ? { scheme: 'null', hnKeyId: 0, routingIndicator: '0' }
              : {
                  scheme,
                  hnPublicKey: key.hnPublicKey,
                  hnKeyId: key.hnKeyId,
                  routingIndicator: '0',
                },
          ackToken: randomBytes(32).toString('base64url'),
          notAfter: new Date(Date.now() + 86_400_000).toISOString(),
        };
      },
      async close() {
        await created.close();
        await ausf.close();
      },
    };
  } catch (err) {
    await amf?.close();
    await ausf.close();
    throw err;
  }
}
