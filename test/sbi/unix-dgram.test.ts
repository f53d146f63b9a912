// The UNIX datagram layer (src/sbi/unix-dgram.ts) on real sockets: a round trip with the
// sender's path as the reply address, the socket file's mode, the refusals, and what happens to
// a socket file left behind.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, expect, test } from 'vitest';
import { UnixDatagramSocket, UnixDgramError, removeStaleSocket } from '../../src/sbi/unix-dgram.js';

const dir = mkdtempSync(join(tmpdir(), 'npn-unix-dgram-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nextMessage(
  socket: UnixDatagramSocket,
): Promise<{ text: string; from: string | undefined }> {
  return new Promise((resolve) =>
    socket.onMessage((data, from) => resolve({ text: data.toString('utf8'), from })),
  );
}

test('a datagram goes out, the answer comes back to the sender path; files are 0600', async () => {
  const server = UnixDatagramSocket.bind(join(dir, 'server'));
  const client = UnixDatagramSocket.bind(join(dir, 'client'));
  try {
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    const atServer = nextMessage(server);
    await client.send('ping', server.path);
    const got = await atServer;
    expect(got).toEqual({ text: 'ping', from: client.path });
    const atClient = nextMessage(client);
    await server.send(Buffer.from('pong'), got.from!);
    expect(await atClient).toEqual({ text: 'pong', from: server.path });
  } finally {
    server.close();
    client.close();
  }
  expect(() => statSync(server.path)).toThrow();
});

test('sending where nothing listens rejects with the errno name', async () => {
  const client = UnixDatagramSocket.bind(join(dir, 'lonely'));
  try {
    await expect(client.send('x', join(dir, 'absent'))).rejects.toMatchObject({
      name: 'UnixDgramError',
      code: 'ENOENT',
    });
  } finally {
    client.close();
  }
  await expect(client.send('x', join(dir, 'absent'))).rejects.toMatchObject({ code: 'EBADF' });
});

test('bind refuses a path in use, replaceStale refuses a live socket and a plain file', () => {
  const live = UnixDatagramSocket.bind(join(dir, 'live'));
  try {
    expect(() => UnixDatagramSocket.bind(live.path)).toThrow(UnixDgramError);
    expect(() => UnixDatagramSocket.bind(live.path, { replaceStale: true })).toThrow(
      /served by another process/,
    );
  } finally {
    live.close();
  }
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'not a socket');
  expect(() => UnixDatagramSocket.bind(file, { replaceStale: true })).toThrow(/not a socket/);
  expect(statSync(file).isFile()).toBe(true);
});

test('a stale socket file (its owner gone) is replaced', async () => {
  // A socket dropped without removing its file is what a crashed process leaves behind.
  const stalePath = join(dir, 'stale');
  const { createRequire } = await import('node:module');
  const addon = createRequire(import.meta.url)('unix-dgram') as {
    createSocket(t: string): { bind(p: string): void; close(): void };
  };
  const raw = addon.createSocket('unix_dgram');
  raw.bind(stalePath);
  raw.close();
  expect(statSync(stalePath).isSocket()).toBe(true);
  removeStaleSocket(stalePath);
  expect(() => statSync(stalePath)).toThrow();
  removeStaleSocket(stalePath); // absent: nothing to do
  const fresh = UnixDatagramSocket.bind(stalePath, { replaceStale: true });
  fresh.close();
});

test('off the main thread a socket is refused with ENOTSUP, not opened where nothing polls it', async () => {
  // The build's module (a worker runs JavaScript, not the TypeScript sources vitest reads).
  const built = new URL('../../dist/src/sbi/unix-dgram.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.built).then((m) => {
       try { m.UnixDatagramSocket.bind(workerData.path); parentPort.postMessage('bound'); }
       catch (e) { parentPort.postMessage(e.name + ' ' + e.code); }
     });`,
    { eval: true, workerData: { built, path: join(dir, 'from-a-thread') } },
  );
  const answer = await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  expect(answer).toBe('UnixDgramError ENOTSUP');
  expect(() => statSync(join(dir, 'from-a-thread'))).toThrow();
});
