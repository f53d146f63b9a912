// How fast the host is at the moment of a run, on the two kinds of work the benchmarks spend
// most of their time on: ES256 in OpenSSL, and small HTTP exchanges over loopback (Node's HTTP,
// undici and the kernel's sockets). Both on one core, after the measured load has stopped. On
// this shared machine the two do not move together (docs/ARCHITECTURE.md, "Onboarding
// throughput"). Printed beside a benchmark's figures, they tell whether runs on different days
// can be compared.
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/** ES256 verifications per second on one core (node:crypto, as the DCS verifies Evidence). */
export function es256VerifyRate(ms: number): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = randomBytes(100);
  const sig = createSign('sha256')
    .update(data)
    .sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (let i = 0; i < 100; i++) {
      createVerify('sha256')
        .update(data)
        .verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    }
    n += 100;
  }
  return Math.round(n / (ms / 1000));
}

/**
 * Small JSON POSTs answered per second over loopback, client (undici, as the functions call
 * each other) and server (node:http) on one event loop: the cost of an exchange on both sides,
 * which is most of what an onboarding's thirteen calls between functions cost.
 */
export async function httpRoundTripRate(ms: number): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
  const body = JSON.stringify({ probe: randomBytes(48).toString('base64url') });
  let n = 0;
  let end = 0;
  const loop = async () => {
    while (Date.now() < end) {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.text();
      n++;
    }
  };
  try {
    // A short run first, not counted: the JIT compiles the paths it takes.
    end = Date.now() + Math.min(ms, 300);
    await Promise.all(Array.from({ length: 16 }, loop));
    n = 0;
    const start = Date.now();
    end = start + ms;
    await Promise.all(Array.from({ length: 16 }, loop));
    return Math.round(n / ((Date.now() - start) / 1000));
  } finally {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
