// The device's SUCI from its delivered parameters: every value expected here is a published
// vector (TS 33.501 Annex C.4; the shared 3gpp.json sets), with the vector's ephemeral key.
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../src/lib/bytes.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { bundleSupi, computeSuci } from '../../src/ue/suci.js';
import { loadVectors } from '../helpers.js';

interface ImsiVector {
  hnPub: string;
  hnPubCompressed: string;
  ephPriv: string;
  schemeOutput: string;
}
interface NaiVectors {
  null_imsi: { mcc: string; mnc: string; msin: string };
  null_nai: { supi: string; schemeOutput: string };
  profile_a_nai: { supi: string; hnPub: string; ephPriv: string; schemeOutput: string };
  profile_b_nai: { supi: string; hnPubCompressed: string; ephPriv: string; schemeOutput: string };
}

const shared = loadVectors<{ suci_profile_a_imsi: ImsiVector; suci_profile_b_imsi: ImsiVector }>(
  '3gpp.json',
);
const nai = loadVectors<NaiVectors>('ts33501-suci-nai.json');
const A = shared.suci_profile_a_imsi;
const B = shared.suci_profile_b_imsi;

function bundle(change: Partial<CredentialBundle> = {}): CredentialBundle {
  return {
    supi: 'imsi-274012001002086',
    k: '465b5ce8b199b49faa5f0a2ee238a6bc',
    opc: 'cd63cb71954a9f4e48a5994e37a02baf',
    amf: '8000',
    sqn: '000000000020',
    authMethod: '5G_AKA',
    snpn: { mcc: '274', mnc: '012', nid: '000007ED9D5' },
    suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
    ackToken: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    notAfter: '2099-01-01T00:00:00Z',
    ...change,
  };
}

describe('IMSI SUPI (TS 29.503 form)', () => {
  test('the SNPN says the MNC has 3 digits, so the MSIN is the vector MSIN', () => {
    expect(bundleSupi(bundle())).toEqual({
      type: 'imsi',
      mcc: nai.null_imsi.mcc,
      mnc: nai.null_imsi.mnc,
      msin: nai.null_imsi.msin,
    });
    const two = bundle({ supi: 'imsi-001010000000001', snpn: { ...bundle().snpn, mnc: '01' } });
    expect(bundleSupi(two)).toMatchObject({ mnc: '01', msin: '0000000001' });
  });

  test('null scheme: the MSIN in clear, key id 0', () => {
    const b = bundle({ suci: { scheme: 'null', hnKeyId: 7, routingIndicator: '12' } });
    expect(computeSuci(b)).toBe('suci-0-274-012-12-0-0-001002086');
  });

  test('Profile A: the vector scheme output under the delivered key id and routing indicator', () => {
    const b = bundle({
      suci: { scheme: 'A', hnPublicKey: A.hnPub, hnKeyId: 1, routingIndicator: '0' },
    });
    const suci = computeSuci(b, { ephemeralPrivateKey: fromHex(A.ephPriv) });
    expect(suci).toBe(`suci-0-274-012-0-1-1-${A.schemeOutput}`);
  });

  test('Profile B: the vector scheme output (compressed keys)', () => {
    const b = bundle({
      suci: {
        scheme: 'B',
        hnPublicKey: B.hnPubCompressed.toLowerCase(),
        hnKeyId: 2,
        routingIndicator: '3',
      },
    });
    const suci = computeSuci(b, { ephemeralPrivateKey: fromHex(B.ephPriv) });
    expect(suci).toBe(`suci-0-274-012-3-2-2-${B.schemeOutput.toLowerCase()}`);
  });

  test('a fresh ephemeral key each time: two SUCIs of one SUPI differ', () => {
    const b = bundle({
      suci: { scheme: 'A', hnPublicKey: A.hnPub, hnKeyId: 1, routingIndicator: '0' },
    });
    const first = computeSuci(b);
    const second = computeSuci(b);
    expect(first).not.toBe(second);
    expect(first.slice(0, 21)).toBe(second.slice(0, 21));
  });
});

describe('NAI SUPI (NAI form of TS 23.003 28.7.3)', () => {
  const naiBundle = (suci: CredentialBundle['suci']) =>
    bundle({ supi: `nai-${nai.null_nai.supi}`, suci });

  test('null scheme', () => {
    expect(computeSuci(naiBundle({ scheme: 'null', hnKeyId: 0, routingIndicator: '0' }))).toBe(
      `type1.rid0.schid0.${nai.null_nai.schemeOutput}@3gpp.com`,
    );
  });

  test('Profile A and B: the published scheme outputs', () => {
    const a = nai.profile_a_nai;
    const suciA = computeSuci(
      naiBundle({
        scheme: 'A',
        hnPublicKey: a.hnPub.toLowerCase(),
        hnKeyId: 5,
        routingIndicator: '0',
      }),
      { ephemeralPrivateKey: fromHex(a.ephPriv) },
    );
    expect(suciA).toBe(`type1.rid0.schid1.hnkey5.${a.schemeOutput}@3gpp.com`.toLowerCase());
    const b = nai.profile_b_nai;
    const suciB = computeSuci(
      naiBundle({
        scheme: 'B',
        hnPublicKey: b.hnPubCompressed.toLowerCase(),
        hnKeyId: 6,
        routingIndicator: '0',
      }),
      { ephemeralPrivateKey: fromHex(b.ephPriv) },
    );
    expect(suciB).toBe(`type1.rid0.schid2.hnkey6.${b.schemeOutput}@3gpp.com`.toLowerCase());
  });

  test('an IMSI SUCI in NAI form, for EAP identities', () => {
    const b = bundle({ suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' } });
    expect(computeSuci(b, { form: 'nai' })).toBe(
      'type0.rid0.schid0.userid001002086@5gc.mnc012.mcc274.3gppnetwork.org',
    );
  });
});

test('a home network key that is no point is refused with AkaError', () => {
  const b = bundle({
    suci: { scheme: 'B', hnPublicKey: `02${'ff'.repeat(32)}`, hnKeyId: 2, routingIndicator: '0' },
  });
  expect(() => computeSuci(b)).toThrow(/key/i);
});
