// The HLR/AuC gateway (src/nf/udm/hlr-auc-gw.ts) against a client that talks as hostapd's
// eap_sim_db does (its own bound socket, one datagram per request, no terminator), with a
// recording vector source in place of the UDM: the reply formats, FAILURE, AUTS handed on with
// no reply and before the next request of the same IMSI, bad lines ignored without echoing them.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, test } from 'vitest';
import {
  startHlrAucGateway,
  type HlrAucGateway,
  type UmtsVector,
  type UmtsVectorSource,
} from '../../../src/nf/udm/hlr-auc-gw.js';
import { UnixDatagramSocket } from '../../../src/sbi/unix-dgram.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-hlr-gw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IMSI = '001010123456789';
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
/** A recognisable vector: every field a different filler byte. */
const VECTOR: UmtsVector = {
  rand: bytes(16, 0x11),
  autn: bytes(16, 0x22),
  ik: bytes(16, 0x33),
  ck: bytes(16, 0x44),
  res: bytes(8, 0x55),
};

class UdmAuthError extends Error {
  constructor(override readonly cause: string) {
    super(`refused: ${cause}`);
  }
}

class FakeSource implements UmtsVectorSource {
  readonly calls: string[] = [];
  resyncDelayMs = 0;
  async umtsVector(imsi: string): Promise<UmtsVector> {
    this.calls.push(`vector ${imsi}`);
    if (imsi !== IMSI) throw new UdmAuthError('USER_NOT_FOUND');
    return VECTOR;
  }
  async resynchronise(imsi: string, rand: Uint8Array, auts: Uint8Array): Promise<void> {
    await new Promise((r) => setTimeout(r, this.resyncDelayMs));
    this.calls.push(
      `resync ${imsi} ${Buffer.from(auts).toString('hex')} ${Buffer.from(rand).toString('hex')}`,
    );
    if (auts[0] === 0xff) throw new UdmAuthError('AUTHENTICATION_REJECTED');
  }
}

const logs: { level: string; obj: object; msg: string }[] = [];
const logger = {
  info: (obj: object, msg: string) => logs.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj, msg }),
};

let n = 0;
let source: FakeSource;
let gateway: HlrAucGateway;
let hostapd: UnixDatagramSocket;
let received: string[];

beforeEach(async () => {
  n += 1;
  logs.length = 0;
  source = new FakeSource();
  gateway = await startHlrAucGateway({ path: join(dir, `gw-${n}`), authVectors: source, logger });
  hostapd = UnixDatagramSocket.bind(join(dir, `hostapd-${n}`));
  received = [];
  hostapd.onMessage((data) => received.push(data.toString('latin1')));
});
afterEach(async () => {
  hostapd.close();
  await gateway.close();
});

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const settleMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('AKA-REQ-AUTH -> AKA-RESP-AUTH <IMSI> <RAND> <AUTN> <IK> <CK> <RES> in hex', async () => {
  expect(statSync(gateway.path).mode & 0o777).toBe(0o600);
  await hostapd.send(`AKA-REQ-AUTH ${IMSI}`, gateway.path);
  await until(() => received.length === 1);
  expect(received[0]).toBe(
    `AKA-RESP-AUTH ${IMSI} ${'11'.repeat(16)} ${'22'.repeat(16)} ${'33'.repeat(16)} ` +
      `${'44'.repeat(16)} ${'55'.repeat(8)}`,
  );
  // The log names the IMSI, never the vector.
  expect(JSON.stringify(logs)).not.toMatch(/3333|4444|5555/);
});

test('an unknown subscriber, and an IMSI that is no IMSI, get FAILURE', async () => {
  await hostapd.send('AKA-REQ-AUTH 001019999999999', gateway.path);
  await hostapd.send('AKA-REQ-AUTH not-digits', gateway.path);
  await until(() => received.length === 2);
  expect(received.sort()).toEqual([
    'AKA-RESP-AUTH 001019999999999 FAILURE',
    'AKA-RESP-AUTH not-digits FAILURE',
  ]);
  expect(source.calls).toEqual(['vector 001019999999999']);
  expect(logs).toContainEqual(
    expect.objectContaining({ obj: { imsi: '001019999999999', cause: 'USER_NOT_FOUND' } }),
  );
});

test('SIM-REQ-AUTH gets SIM-RESP-AUTH FAILURE: no GSM triplets', async () => {
  await hostapd.send(`SIM-REQ-AUTH ${IMSI} 3`, gateway.path);
  await until(() => received.length === 1);
  expect(received[0]).toBe(`SIM-RESP-AUTH ${IMSI} FAILURE`);
  expect(source.calls).toEqual([]);
});

test('AKA-AUTS is handed on with no reply, and before the next request of that IMSI', async () => {
  source.resyncDelayMs = 50;
  const auts = 'ab'.repeat(14);
  const rand = 'cd'.repeat(16);
  // What hostapd does on a synchronisation failure: AUTS, then at once a new request.
  await hostapd.send(`AKA-AUTS ${IMSI} ${auts} ${rand}`, gateway.path);
  await hostapd.send(`AKA-REQ-AUTH ${IMSI}`, gateway.path);
  await until(() => received.length === 1);
  expect(source.calls).toEqual([`resync ${IMSI} ${auts} ${rand}`, `vector ${IMSI}`]);
  expect(received[0]).toMatch(new RegExp(`^AKA-RESP-AUTH ${IMSI} `));
});

test('a refused AUTS is logged with its cause; there is still no reply', async () => {
  await hostapd.send(`AKA-AUTS ${IMSI} ff${'00'.repeat(13)} ${'cd'.repeat(16)}`, gateway.path);
  await until(() => logs.some((l) => l.msg.includes('AUTS refused')));
  expect(logs).toContainEqual(
    expect.objectContaining({ obj: { imsi: IMSI, cause: 'AUTHENTICATION_REJECTED' } }),
  );
  await settleMs(30);
  expect(received).toEqual([]);
});

test.each([
  ['an unknown command carrying key material', `AKA-RESP-AUTH ${IMSI} ${'5a'.repeat(16)}`],
  ['a request without an IMSI', 'AKA-REQ-AUTH'],
  ['AUTS of the wrong length', `AKA-AUTS ${IMSI} abcd ${'cd'.repeat(16)}`],
  ['AUTS without RAND', `AKA-AUTS ${IMSI} ${'ab'.repeat(14)}`],
  ['binary noise', '\x00\x01\x02\xff'],
  ['an oversized datagram', `AKA-REQ-AUTH ${'1'.repeat(400)}`],
])('%s is ignored with a log line that does not echo it', async (_what, line) => {
  await hostapd.send(Buffer.from(line, 'latin1'), gateway.path);
  await until(() => logs.some((l) => l.msg === 'eap_sim_db: request ignored'));
  await settleMs(20);
  expect(received).toEqual([]);
  expect(source.calls).toEqual([]);
  expect(JSON.stringify(logs)).not.toContain('5a5a5a5a');
  // The gateway still answers afterwards.
  await hostapd.send(`AKA-REQ-AUTH ${IMSI}`, gateway.path);
  await until(() => received.length === 1);
});

test('close removes the socket; a new gateway replaces a stale one and refuses a live one', async () => {
  await expect(
    startHlrAucGateway({ path: gateway.path, authVectors: source, logger }),
  ).rejects.toThrow(/served by another process/);
  await gateway.close();
  expect(() => statSync(gateway.path)).toThrow();
  // A leftover socket file whose owner is gone (a crash) does not stop the next start.
  const addon = (await import('node:module')).createRequire(import.meta.url)('unix-dgram') as {
    createSocket(t: string): { bind(p: string): void; close(): void };
  };
  const leftover = addon.createSocket('unix_dgram');
  leftover.bind(gateway.path);
  leftover.close();
  gateway = await startHlrAucGateway({ path: gateway.path, authVectors: source, logger });
  await hostapd.send(`AKA-REQ-AUTH ${IMSI}`, gateway.path);
  await until(() => received.length === 1);
});
