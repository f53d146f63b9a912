// startNetwork with threads, as serve and demo run it: the functions the UE-facing ones call
// (DCS, UDM, AUSF) listen on a second thread, the PS and the AMF on the calling one; the network
// works across the two; a port already taken fails the start with the usage error and leaves
// nothing listening; close() lets every port go; a thread that dies once its functions run takes
// the process with it (exit 70), so that a supervisor starts it again.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { adminToken } from '../../src/cli/data-dir.js';
import type * as NetworkModule from '../../src/cli/network.js';
import { runJson } from './run-cli.js';

// Threads run the build (a worker runs JavaScript, not the TypeScript sources vitest reads), so
// the module under test is the build's too.
const { startNetwork } = (await import(
  new URL('../../dist/src/cli/network.js', import.meta.url).href
)) as typeof NetworkModule;

const root = mkdtempSync(join(tmpdir(), 'npn-function-thread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** TCP servers listening on this thread's event loop. */
const listeningHere = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

const ALL = ['dcs', 'udm', 'ps', 'ausf', 'amf'];

test('the DCS, UDM and AUSF listen on a second thread; the PS and AMF here; all answer', async () => {
  const data = join(root, 'layout');
  await runJson(['init', '--data', data]);
  const before = listeningHere();
  const options = { portBase: 0, quiet: true, synchronous: 'NORMAL' as const };

  const threaded = await startNetwork(data, ALL, { ...options, threads: true });
  try {
    expect(listeningHere() - before).toBe(2);
    for (const [fn, path] of [
      ['dcs', '/verification/v1/keys'],
      ['udm', '/nudm-cp/v1/openapi.json'],
      ['ausf', '/nausf-auth/v1/openapi.json'],
      ['ps', '/onboarding/v1/openapi.json'],
      ['amf', '/namf-reg/v1/openapi.json'],
    ] as const) {
      expect((await fetch(threaded.endpoints[fn]! + path)).status, fn).toBe(200);
    }
  } finally {
    await threaded.close();
  }
  expect(listeningHere()).toBe(before);

  // Without threads, or with the back functions alone, everything listens here.
  const plain = await startNetwork(data, ALL, options);
  expect(listeningHere() - before).toBe(5);
  await plain.close();
  const backOnly = await startNetwork(data, ['dcs', 'udm'], { ...options, threads: true });
  expect(listeningHere() - before).toBe(2);
  await backOnly.close();
  expect(listeningHere()).toBe(before);
});

test('a port taken on the thread fails the start with the usage error; nothing stays', async () => {
  const data = join(root, 'taken');
  await runJson(['init', '--data', data]);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const before = listeningHere();
  try {
    // The UDM's offset is 2: with this port base it lands on the blocked port, on the thread.
    await expect(
      startNetwork(data, ALL, {
        portBase: port - 2,
        quiet: true,
        synchronous: 'NORMAL',
        threads: true,
      }),
    ).rejects.toMatchObject({ name: 'CliUsageError', message: /a port is in use/ });
    expect(listeningHere()).toBe(before);
  } finally {
    blocker.close();
  }
});

test('a thread that dies after its function started ends the process: exit 70, the cause on stderr', async () => {
  const data = join(root, 'dies');
  await runJson(['init', '--data', data]);
  // A process of its own, as serve is: the thread's death ends it. Its heap holds the DCS but not
  // an 8 MB device batch, a real death (ERR_WORKER_OUT_OF_MEMORY), not a simulated one. 40 MB:
  // the DCS needs more than 20 MB to start, and this batch fits in 64 MB.
  const script = join(root, 'thread-dies.mjs');
  const settings = {
    dataDir: data,
    port: 0,
    quiet: true,
    synchronous: 'NORMAL',
    endpoints: {},
    peers: {},
    threads: false,
  };
  writeFileSync(
    script,
    `import { FunctionThread } from ${JSON.stringify(new URL('../../dist/src/cli/function-thread.js', import.meta.url).href)};
const thread = new FunctionThread({ resourceLimits: { maxOldGenerationSizeMb: 40 } });
const dcs = await thread.start('dcs', ${JSON.stringify(settings)});
process.stdout.write(dcs.url + '\\n');
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    void exited.then((code) => reject(new Error(`exited (${code}) before listening: ${stderr}`)));
  });

  const token = adminToken(data);
  const devices = Array.from({ length: 20_000 }, (_, i) => ({
    ueid: `01${i.toString(16).padStart(32, '0')}`,
    deviceClass: 'c'.repeat(250),
    akm: { kty: 'oct', k: 'A'.repeat(43) },
  }));
  const answer = await fetch(`${url}/endorsements/v1/device-batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ devices }),
  }).then(
    (r) => r.status,
    () => 'no answer',
  );
  expect(answer).toBe('no answer');
  expect(await exited).toBe(70);
  expect(stderr).toMatch(/the thread of dcs stopped \(ERR_WORKER_OUT_OF_MEMORY\); exiting/);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack without NPN_ONBOARD_DEBUG

  // Started again, the DCS holds nothing of the batch: all or nothing across the crash.
  const again = await startNetwork(data, ['dcs'], {
    portBase: 0,
    quiet: true,
    synchronous: 'NORMAL',
  });
  try {
    const list = await fetch(`${again.endpoints.dcs!}/endorsements/v1/devices?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  } finally {
    await again.close();
  }
}, 60_000);
