// The UE agent as wpa_supplicant's external SIM (src/ue/external-sim.ts) against a stand-in
// control interface that speaks as wpa_supplicant's does (replies without a prefix, events with
// "<level>"): the answer formats, what is answered to requests it cannot serve, ATTACH while the
// peer is still starting. The real wpa_supplicant (eapol_test) is in hostapd-eap-aka-prime.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import type { CredentialBundle } from '../../src/lib/onboarding/credential-bundle.js';
import { UnixDatagramSocket } from '../../src/sbi/unix-dgram.js';
import {
  attachExternalSim,
  permanentIdentity,
  type ExternalSim,
} from '../../src/ue/external-sim.js';
import type { UsimResult } from '../../src/ue/usim.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-ext-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const RAND = 'a1'.repeat(16);
const AUTN = 'b2'.repeat(16);

/** A stand-in for wpa_supplicant's control interface at `path`. */
class FakeCtrl {
  readonly socket: UnixDatagramSocket;
  monitor: string | undefined;
  readonly commands: string[] = [];
  attachReply = 'OK';

  constructor(path: string) {
    this.socket = UnixDatagramSocket.bind(path);
    this.socket.onMessage((data, from) => {
      const text = data.toString('utf8');
      this.commands.push(text);
      if (text === 'ATTACH') this.monitor = from;
      void this.socket.send(`${text === 'ATTACH' ? this.attachReply : 'OK'}\n`, from!);
    });
  }

  event(text: string): Promise<void> {
    return this.socket.send(`<3>${text}`, this.monitor!);
  }

  async waitFor(count: number): Promise<void> {
    const deadline = Date.now() + 2000;
    while (this.commands.length < count) {
      if (Date.now() > deadline) throw new Error(`got ${JSON.stringify(this.commands)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

let n = 0;
let ctrl: FakeCtrl | undefined;
let sim: ExternalSim | undefined;
afterEach(async () => {
  await sim?.close();
  ctrl?.socket.close();
  sim = undefined;
  ctrl = undefined;
});

/** A USIM that gives `result` and records what it was asked. */
function fakeUsim(result: UsimResult | Error) {
  const asked: string[] = [];
  return {
    asked,
    authenticate(rand: Uint8Array, autn: Uint8Array): UsimResult {
      asked.push(`${Buffer.from(rand).toString('hex')}:${Buffer.from(autn).toString('hex')}`);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

async function attached(usim: ReturnType<typeof fakeUsim>, events: string[] = []) {
  n += 1;
  ctrl = new FakeCtrl(join(dir, `ctrl-${n}`));
  sim = await attachExternalSim({
    ctrlPath: ctrl.socket.path,
    usim,
    onEvent: (e) => events.push(e),
  });
  expect(ctrl.commands).toEqual(['ATTACH']);
  return ctrl;
}

test('UMTS-AUTH: the answer is IK:CK:RES of the USIM, to the request id', async () => {
  const usim = fakeUsim({
    result: 'ok',
    ik: bytes(16, 0x11),
    ck: bytes(16, 0x22),
    res: bytes(8, 0x33),
  });
  const events: string[] = [];
  const c = await attached(usim, events);
  await c.event(`CTRL-REQ-SIM-7:UMTS-AUTH:${RAND}:${AUTN} needed for SSID test`);
  await c.waitFor(2);
  expect(usim.asked).toEqual([`${RAND}:${AUTN}`]);
  expect(c.commands[1]).toBe(
    `CTRL-RSP-SIM-7:UMTS-AUTH:${'11'.repeat(16)}:${'22'.repeat(16)}:${'33'.repeat(8)}`,
  );
  expect(sim!.answers).toEqual(['UMTS-AUTH']);
  expect(events).toEqual([`CTRL-REQ-SIM-7:UMTS-AUTH:${RAND}:${AUTN} needed for SSID test`]);
});

test('a synchronisation failure answers UMTS-AUTS, a MAC failure UMTS-FAIL', async () => {
  const auts = fakeUsim({ result: 'sync_failure', auts: bytes(14, 0x44), reason: 'not_fresh' });
  const c = await attached(auts);
  await c.event(`CTRL-REQ-SIM-1:UMTS-AUTH:${RAND}:${AUTN}`);
  await c.waitFor(2);
  expect(c.commands[1]).toBe(`CTRL-RSP-SIM-1:UMTS-AUTS:${'44'.repeat(14)}`);
  await sim!.close();
  c.socket.close();

  const mac = fakeUsim({ result: 'mac_failure' });
  const d = await attached(mac);
  await d.event(`CTRL-REQ-SIM-2:UMTS-AUTH:${RAND}:${AUTN}`);
  await d.waitFor(2);
  expect(d.commands[1]).toBe('CTRL-RSP-SIM-2:UMTS-FAIL');
});

test('requests it cannot serve are answered with a failure, the USIM untouched', async () => {
  const usim = fakeUsim({ result: 'mac_failure' });
  const c = await attached(usim);
  await c.event(`CTRL-REQ-SIM-3:GSM-AUTH:${'c3'.repeat(16)} needed for SSID test`);
  await c.event(`CTRL-REQ-SIM-4:UMTS-AUTH:${RAND}`);
  await c.event(`CTRL-REQ-SIM-5:UMTS-AUTH:zz:${AUTN}`);
  await c.event('CTRL-EVENT-EAP-STARTED EAP authentication started');
  await c.waitFor(4);
  expect(c.commands.slice(1).sort()).toEqual([
    'CTRL-RSP-SIM-3:GSM-FAIL',
    'CTRL-RSP-SIM-4:UMTS-FAIL',
    'CTRL-RSP-SIM-5:UMTS-FAIL',
  ]);
  expect(usim.asked).toEqual([]);
});

test('a USIM error (e.g. its SQN array cannot be saved) releases no RES: UMTS-FAIL', async () => {
  const usim = fakeUsim(new Error('EROFS: read-only file system'));
  const c = await attached(usim);
  await c.event(`CTRL-REQ-SIM-9:UMTS-AUTH:${RAND}:${AUTN}`);
  await c.waitFor(2);
  expect(c.commands[1]).toBe('CTRL-RSP-SIM-9:UMTS-FAIL');
});

test('ATTACH is retried until the control socket exists; close sends DETACH', async () => {
  const path = join(dir, 'late-ctrl');
  const usim = fakeUsim({ result: 'mac_failure' });
  const attaching = attachExternalSim({ ctrlPath: path, usim });
  await new Promise((r) => setTimeout(r, 100));
  ctrl = new FakeCtrl(path);
  sim = await attaching;
  expect(ctrl.commands).toEqual(['ATTACH']);
  await sim.close();
  expect(ctrl.commands).toEqual(['ATTACH', 'DETACH']);
  sim = undefined;
});

test('no control socket, or ATTACH refused: a clear error', async () => {
  const usim = fakeUsim({ result: 'mac_failure' });
  await expect(
    attachExternalSim({ ctrlPath: join(dir, 'never'), usim, attachTimeoutMs: 100 }),
  ).rejects.toMatchObject({ code: 'ENOENT' });
  n += 1;
  ctrl = new FakeCtrl(join(dir, `ctrl-${n}`));
  ctrl.attachReply = 'FAIL';
  await expect(attachExternalSim({ ctrlPath: ctrl.socket.path, usim })).rejects.toThrow(
    /ATTACH answered FAIL/,
  );
});

test("the permanent identity: prefix 6 for EAP-AKA', 0 for EAP-AKA, the 3GPP realm", () => {
  const bundle = {
    supi: 'imsi-001010000000042',
    snpn: { mcc: '001', mnc: '01', nid: '000007ED9D5' },
  } as CredentialBundle;
  expect(permanentIdentity(bundle, "AKA'")).toBe(
    '6001010000000042@wlan.mnc001.mcc001.3gppnetwork.org',
  );
  expect(permanentIdentity({ ...bundle, snpn: { ...bundle.snpn, mnc: '123' } }, 'AKA')).toBe(
    '0001010000000042@wlan.mnc123.mcc001.3gppnetwork.org',
  );
  expect(() => permanentIdentity({ ...bundle, supi: 'nai-meter@example.org' }, "AKA'")).toThrow(
    /not an IMSI SUPI/,
  );
});
