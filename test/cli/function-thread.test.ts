// startNetwork with threads, as serve and demo run it: the functions the UE-facing ones call
// (DCS, UDM, AUSF) listen on a second thread, the PS and the AMF on the calling one; the network
// works across the two; a port already taken fails the start with the usage error and leaves
// nothing listening; close() lets every port go.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
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
