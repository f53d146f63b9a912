// The device's USIM over delivered credentials. Expected values come from Milenage set 1 and the
// 5G AKA vector of 3gpp.json, or from test/reference-milenage.ts (MAC-S, which no vector gives).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fromHex, xor } from '../../src/lib/bytes.js';
import { sqnToBytes, sqnToNumber, UsimSqnArray } from '../../src/lib/aka/sqn.js';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { FileCredentialStore, MemoryCredentialStore } from '../../src/ue/credential-store.js';
import { Usim } from '../../src/ue/usim.js';
import { hex, loadVectors, type SharedVectors } from '../helpers.js';
import { referenceMilenage } from '../reference-milenage.js';

const vectors = loadVectors<SharedVectors>('3gpp.json');
const set1 = vectors.milenage[0]!;
const fiveG = vectors['5g_aka'].plmn;
const RAND = fromHex(set1.RAND);
const AUTN = fromHex(fiveG.AUTN);
const SQN = sqnToNumber(fromHex(set1.SQN));

const root = mkdtempSync(join(tmpdir(), 'npn-ue-usim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A bundle of set 1 whose SQN is one SEQ below the vector's (same IND slot). */
function bundle(change: Partial<CredentialBundle> = {}): CredentialBundle {
  return {
    supi: 'imsi-001010123456789',
    k: set1.K,
    opc: set1.OPc,
    amf: set1.AMF,
    sqn: hex(sqnToBytes(SQN - 32)),
    authMethod: '5G_AKA',
    snpn: { mcc: '001', mnc: '01', nid: '000007ED9D5' },
    suci: { scheme: 'null', hnKeyId: 0, routingIndicator: '0' },
    ackToken: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    notAfter: '2099-01-01T00:00:00Z',
    ...change,
  };
}

describe('AUTN check', () => {
  test('a fresh genuine challenge: RES, CK, IK of set 1 and the published RES*', () => {
    const usim = Usim.fromBundle(bundle());
    const answer = usim.authenticate(RAND, AUTN, fiveG.snn);
    expect(answer.result).toBe('ok');
    if (answer.result !== 'ok') return;
    expect(hex(answer.res)).toBe(set1.f2_RES);
    expect(hex(answer.ck)).toBe(set1.f3_CK);
    expect(hex(answer.ik)).toBe(set1.f4_IK);
    expect(hex(answer.resStar!)).toBe(fiveG.XRESstar);
    expect(usim.sqnMs).toBe(SQN);
    expect(hex(usim.amf)).toBe(set1.AMF);
  });

  test('without a serving network name (EAP-AKA): no RES*', () => {
    const answer = Usim.fromBundle(bundle()).authenticate(RAND, AUTN);
    expect(answer).toMatchObject({ result: 'ok' });
    expect(answer.result === 'ok' && answer.resStar).toBeUndefined();
  });

  test('the same challenge twice: the replay gets AUTS, made of SQN_MS, AK* and MAC-S', () => {
    const usim = Usim.fromBundle(bundle());
    expect(usim.authenticate(RAND, AUTN, fiveG.snn).result).toBe('ok');
    const replay = usim.authenticate(RAND, AUTN, fiveG.snn);
    expect(replay).toMatchObject({ result: 'sync_failure', reason: 'not_fresh' });
    if (replay.result !== 'sync_failure') return;
    // SQN_MS is the SQN just accepted; AK* is f5* of set 1.
    expect(hex(replay.auts.subarray(0, 6))).toBe(hex(xor(fromHex(set1.SQN), fromHex(set1.f5star))));
    const reference = referenceMilenage(set1.K, set1.OPc, set1.RAND, set1.SQN, '0000');
    expect(hex(replay.auts.subarray(6))).toBe(reference.f1star);
  });

  test('a USIM whose SQN is ahead of the challenge answers AUTS with its own SQN_MS', () => {
    const ahead = SQN + 32 * 10;
    const usim = Usim.fromBundle(bundle({ sqn: hex(sqnToBytes(ahead)) }));
    const answer = usim.authenticate(RAND, AUTN, fiveG.snn);
    expect(answer).toMatchObject({ result: 'sync_failure' });
    if (answer.result !== 'sync_failure') return;
    const sqnMs = hex(sqnToBytes(ahead));
    const reference = referenceMilenage(set1.K, set1.OPc, set1.RAND, sqnMs, '0000');
    expect(hex(answer.auts)).toBe(
      hex(xor(fromHex(sqnMs), fromHex(reference.f5star))) + reference.f1star,
    );
  });

  test('another K: MAC failure, and the SQN array is left as it was', () => {
    const saved: number[] = [];
    const usim = new Usim({
      k: fromHex('000102030405060708090a0b0c0d0e0f'),
      opc: fromHex(set1.OPc),
      amf: fromHex('8000'),
      sqnArray: UsimSqnArray.fromSqnMs(SQN - 32),
      onSqnAccepted: (a) => saved.push(a.sqnMs()),
    });
    expect(usim.authenticate(RAND, AUTN, fiveG.snn)).toEqual({ result: 'mac_failure' });
    expect(usim.sqnMs).toBe(SQN - 32);
    expect(saved).toEqual([]);
  });

  test('a USIM that cannot record the SQN releases no RES', () => {
    const usim = new Usim({
      k: fromHex(set1.K),
      opc: fromHex(set1.OPc),
      amf: fromHex(set1.AMF),
      sqnArray: UsimSqnArray.fromSqnMs(SQN - 32),
      onSqnAccepted: () => {
        throw new Error('disk full');
      },
    });
    expect(() => usim.authenticate(RAND, AUTN, fiveG.snn)).toThrow('disk full');
  });

  test('K and OPc do not show in what the object prints', () => {
    const usim = Usim.fromBundle(bundle());
    const shown = JSON.stringify(usim) + String(usim);
    expect(shown).not.toContain(set1.K);
    expect(shown).not.toContain(set1.OPc);
  });
});

describe('the SQN array persists in the credential store', () => {
  test('an accepted SQN stays accepted across USIM instances (a restart)', () => {
    const dir = mkdtempSync(join(root, 'persist-'));
    const store = new FileCredentialStore(dir);
    const b = bundle();
    store.save(b);
    expect(Usim.fromBundle(b, store).authenticate(RAND, AUTN, fiveG.snn).result).toBe('ok');
    const saved = JSON.parse(readFileSync(store.sqnPath, 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ supi: b.supi, ackToken: b.ackToken });
    expect(JSON.stringify(saved)).not.toContain(set1.K);
    const again = Usim.fromBundle(b, store);
    expect(again.sqnMs).toBe(SQN);
    expect(again.authenticate(RAND, AUTN, fiveG.snn).result).toBe('sync_failure');
  });

  test('new credentials start from their own SQN, not the old array', () => {
    const store = new MemoryCredentialStore();
    const b = bundle();
    store.save(b);
    expect(Usim.fromBundle(b, store).authenticate(RAND, AUTN).result).toBe('ok');
    const rotated = bundle({ ackToken: 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' });
    expect(store.loadSqnArray(rotated)).toBeUndefined();
    expect(Usim.fromBundle(rotated, store).authenticate(RAND, AUTN).result).toBe('ok');
  });
});
