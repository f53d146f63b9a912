// The durable state machine over restarts and faults, on SQLite and on PostgreSQL: IMSIs are
// never issued twice (concurrently, across restarts) and run out cleanly; an onboarding
// interrupted at any step completes after a restart; a push the UDM applied but whose answer was
// lost is repeated harmlessly; a session that fails after its push is compensated at the UDM;
// a re-onboarding rotates the credentials and the UDM drops the old SUPI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { StoreConfig } from '../../../src/store/store-config.js';
import { PG_URL, dropSchemas, uniqueSchemaPrefix } from '../../store/pg-test-url.js';
import {
  ack,
  admin,
  challenge,
  endorse,
  makeDevice,
  makeEvidence,
  onboard,
  onboardToReady,
  openBundle,
  settle,
  startNetwork,
  status,
  submit,
  testConfig,
  type TestNetwork,
} from './test-network.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npn-ps-lifecycle-'));
const prefix = uniqueSchemaPrefix();
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchemas(prefix);
});

let stores = 0;
/** A store of its own for each network: the PS's tables start empty. */
function freshStore(kind: string): StoreConfig {
  stores++;
  return kind === 'SQLite'
    ? { kind: 'sqlite', dataDir: join(dataDir, `ps-${stores}`) }
    : { kind: 'postgres', url: PG_URL, schemaPrefix: `${prefix}${stores}_` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Works the PS's worker by hand until `done` holds. */
async function driveUntil(network: TestNetwork, done: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('the worker did not get there');
    await network.ps.worker.drain();
    await sleep(10);
  }
}

async function sessionsOf(network: TestNetwork, ueidHex: string) {
  const r = await network.ps.app.inject({
    method: 'GET',
    url: `/onboarding-admin/v1/devices/${ueidHex}/sessions`,
    headers: admin,
  });
  expect(r.statusCode).toBe(200);
  return (
    r.json() as {
      items: {
        id: string;
        status: string;
        supi?: string;
        revokedAt?: string;
        failure?: { cause: string };
      }[];
    }
  ).items;
}

describe.each(['SQLite', 'PostgreSQL'])('on %s', (kind) => {
  test('IMSIs: distinct under concurrency, never reused across a restart, then exhausted', async () => {
    const network = await startNetwork(freshStore(kind), {
      config: testConfig((c) => {
        c.snpns.demo!.imsiRange = { firstMsin: '0000000001', lastMsin: '0000000006' };
      }),
    });
    try {
      const devices = Array.from({ length: 4 }, () => makeDevice());
      for (const d of devices) await endorse(network, d);
      const first = await Promise.all(devices.map((d) => onboard(network.ps, d)));
      const supis = first.map((r) => r.bundle.supi);
      expect(new Set(supis).size).toBe(4);
      expect([...supis].sort()).toEqual([
        'imsi-001010000000001',
        'imsi-001010000000002',
        'imsi-001010000000003',
        'imsi-001010000000004',
      ]);

      await network.restartPs();
      const more = [makeDevice(), makeDevice()];
      for (const d of more) await endorse(network, d);
      for (const d of more) supis.push((await onboard(network.ps, d)).bundle.supi);
      expect(supis.slice(4).sort()).toEqual(['imsi-001010000000005', 'imsi-001010000000006']);

      const last = makeDevice();
      await endorse(network, last);
      const { evidence } = await makeEvidence(last, await challenge(network.ps), 'cwt');
      const r = await submit(network.ps, evidence);
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ cause: 'SUPI_RANGE_EXHAUSTED' });
      // Re-onboarding a device needs a new SUPI too; its old one is not handed out again.
      const again = await makeEvidence(devices[0]!, await challenge(network.ps), 'cwt');
      expect((await submit(network.ps, again.evidence)).json()).toMatchObject({
        cause: 'SUPI_RANGE_EXHAUSTED',
      });
    } finally {
      await network.close();
    }
  });

  test('a crash at each step: after a restart the onboarding completes, nothing duplicated', async () => {
    const network = await startNetwork(freshStore(kind), {
      ps: { worker: { enabled: false, leaseMs: 200 } },
    });
    try {
      const device = makeDevice();
      await endorse(network, device);

      // 1. Challenge issued, then a crash: the nonce is still good.
      const nonce = await challenge(network.ps);
      await network.restartPs();

      // 2. Evidence taken, the DCS unreachable, then a crash: the session is attesting.
      network.dcsProxy.mode = 'down';
      const { evidence, cnf } = await makeEvidence(device, nonce, 'jwt');
      const r = await submit(network.ps, evidence);
      expect(r.json()).toMatchObject({ status: 'attesting' });
      const id = (r.json() as { id: string }).id;
      await network.restartPs();
      network.dcsProxy.mode = 'pass';

      // 3. Appraised again from the stored Evidence; the UDM unreachable: provisioning. Crash.
      network.udmProxy.mode = 'down';
      await driveUntil(
        network,
        async () => (await status(network.ps, id)).status === 'provisioning',
      );
      await network.restartPs();

      // 4. The UDM applies the push but its answer is lost. Crash.
      network.udmProxy.mode = 'lose-answer';
      await driveUntil(network, async () =>
        network.udmProxy.forwarded.some((f) => f.startsWith('PUT')),
      );
      expect((await status(network.ps, id)).status).toBe('provisioning');
      await network.restartPs();

      // 5. The push is repeated (the UDM answers "replaced"); ready. Crash before the UE acks.
      network.udmProxy.mode = 'pass';
      await driveUntil(network, async () => (await status(network.ps, id)).status === 'ready');
      const before = await status(network.ps, id);
      await network.restartPs();
      const ready = await status(network.ps, id);
      expect(ready).toEqual(before);

      const bundle = await openBundle(ready.credentials!, cnf.privateJwk);
      expect(await network.udmCredentials(bundle.supi)).toMatchObject({
        k: bundle.k,
        opc: bundle.opc,
      });
      const puts = network.udmProxy.forwarded.filter((f) => f.startsWith('PUT'));
      expect(new Set(puts)).toEqual(
        new Set([`PUT /nudm-cp/v1/${encodeURIComponent(bundle.supi)}`]),
      );
      expect(puts.length).toBeGreaterThanOrEqual(2);

      // 6. Acknowledged; a crash after that changes nothing.
      expect((await ack(network.ps, id, bundle.ackToken)).statusCode).toBe(204);
      await network.restartPs();
      expect(await status(network.ps, id)).toEqual({ id, status: 'delivered' });
      const sessions = await sessionsOf(network, device.ueidHex);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.supi).toBe(bundle.supi);
    } finally {
      await network.close();
    }
  });

  test('a crash while appraising: the lease runs out and the worker takes over', async () => {
    const network = await startNetwork(freshStore(kind), {
      ps: { worker: { enabled: false, leaseMs: 200 } },
    });
    try {
      const device = makeDevice();
      await endorse(network, device);
      network.dcsProxy.mode = 'down';
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const id = (await submit(network.ps, evidence)).json().id as string;
      network.dcsProxy.mode = 'pass';
      // As if the process died while its request still owned the appraisal.
      await network.ps.store.db
        .updateTable('sessions')
        .set({ leased_until: new Date(Date.now() + 200).toISOString() })
        .where('id', '=', id)
        .execute();
      await network.restartPs();
      await network.ps.worker.drain();
      expect((await status(network.ps, id)).status).toBe('attesting');
      await sleep(250);
      await driveUntil(network, async () => (await status(network.ps, id)).status === 'ready');
    } finally {
      await network.close();
    }
  });

  test('the UDM unreachable, then reachable: the outbox retries with backoff and completes', async () => {
    const network = await startNetwork(freshStore(kind), {
      config: testConfig(
        (c) => (c.retry = { maxAttempts: 50, firstRetryMs: 10, maxRetryMs: 40, leaseMs: 30_000 }),
      ),
    });
    try {
      const device = makeDevice();
      await endorse(network, device);
      network.udmProxy.mode = 'down';
      const { evidence, cnf } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const id = (await submit(network.ps, evidence)).json().id as string;
      await sleep(150);
      expect((await status(network.ps, id)).status).toBe('provisioning');
      const [pending] = await network.ps.outbox.pending();
      expect(pending!.attempts).toBeGreaterThan(1);
      expect(pending!.last_error).toMatch(/cannot reach|answer/);
      network.udmProxy.mode = 'pass';
      const ready = await settle(network.ps, id);
      const bundle = await openBundle(ready.credentials!, cnf.privateJwk);
      expect(await network.udmCredentials(bundle.supi)).toMatchObject({ k: bundle.k });
    } finally {
      await network.close();
    }
  });

  test('long polling: GET ?wait=N answers when the session moves on, or after N seconds', async () => {
    const network = await startNetwork(freshStore(kind), {
      config: testConfig(
        (c) => (c.retry = { maxAttempts: 50, firstRetryMs: 10, maxRetryMs: 40, leaseMs: 30_000 }),
      ),
    });
    try {
      const device = makeDevice();
      await endorse(network, device);
      network.udmProxy.mode = 'down';
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const id = (await submit(network.ps, evidence)).json().id as string;
      const poll = (query: string) =>
        network.ps.app.inject({ method: 'GET', url: `/onboarding/v1/sessions/${id}${query}` });

      // Nothing happens: the answer comes after the wait, with the status then.
      let started = performance.now();
      let answer = await poll('?wait=1');
      expect(answer.statusCode).toBe(200);
      expect(answer.json().status).toBe('provisioning');
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);

      // The push goes through during the wait: answered then, long before the 20 s.
      started = performance.now();
      const waiting = poll('?wait=20');
      setTimeout(() => (network.udmProxy.mode = 'pass'), 200);
      answer = await waiting;
      expect(answer.json().status).toBe('ready');
      expect(typeof answer.json().credentials).toBe('string');
      expect(performance.now() - started).toBeLessThan(10_000);

      // A ready session answers at once, whatever the wait.
      started = performance.now();
      expect((await poll('?wait=20')).json().status).toBe('ready');
      expect(performance.now() - started).toBeLessThan(2_000);

      for (const bad of ['?wait=31', '?wait=-1', '?wait=soon']) {
        const refused = await poll(bad);
        expect(refused.statusCode, bad).toBe(400);
        expect(refused.json().cause, bad).toBeTypeOf('string');
      }
    } finally {
      await network.close();
    }
  });

  test('compensation: a session that fails after its push is withdrawn from the UDM', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      // Every answer is lost: the UDM has the credentials, the PS never learns it.
      network.udmProxy.mode = 'lose-answer';
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const id = (await submit(network.ps, evidence)).json().id as string;
      const failed = await settle(network.ps, id);
      expect(failed).toMatchObject({ status: 'failed', failure: { cause: 'PUSH_FAILED' } });
      const [session] = await sessionsOf(network, device.ueidHex);
      const supi = session!.supi!;
      // The UDM did apply the pushes (only their answers were lost).
      const path = `/nudm-cp/v1/${encodeURIComponent(supi)}`;
      expect(network.udmProxy.forwarded.filter((f) => f === `PUT ${path}`)).toHaveLength(4);
      // The compensating DELETE is repeated until the UDM's answer arrives.
      await waitFor(async () => network.udmProxy.forwarded.includes(`DELETE ${path}`));
      expect(await network.ps.outbox.pending()).toHaveLength(1);
      network.udmProxy.mode = 'pass';
      await waitFor(async () => (await network.udmCredentials(supi)) === undefined);
      await waitFor(async () => (await network.ps.outbox.pending()).length === 0);
    } finally {
      await network.close();
    }
  });

  test('compensation: credentials not acknowledged within the delivery timeout are withdrawn', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const { id, bundle } = await onboardToReady(network.ps, device);
      expect(await network.udmCredentials(bundle.supi)).toBeDefined();
      network.advanceClock(11 * 60_000);
      await network.ps.worker.drain();
      expect(await status(network.ps, id)).toMatchObject({
        status: 'failed',
        failure: { cause: 'DELIVERY_TIMEOUT' },
      });
      await waitFor(async () => (await network.udmCredentials(bundle.supi)) === undefined);
      expect((await ack(network.ps, id, bundle.ackToken)).statusCode).toBe(409);
    } finally {
      await network.close();
    }
  });

  test('re-onboarding rotates: new credentials at the UDM, the old SUPI deleted there', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const first = await onboard(network.ps, device);
      const second = await onboard(network.ps, device, 'jwt');
      expect(second.bundle.supi).not.toBe(first.bundle.supi);
      expect(second.bundle.k).not.toBe(first.bundle.k);
      expect(await network.udmCredentials(second.bundle.supi)).toMatchObject({
        k: second.bundle.k,
      });
      await waitFor(async () => (await network.udmCredentials(first.bundle.supi)) === undefined);
      const sessions = await sessionsOf(network, device.ueidHex);
      expect(sessions.find((s) => s.id === first.id)).toMatchObject({
        status: 'delivered',
        revokedAt: expect.any(String),
      });
      expect(sessions.find((s) => s.id === second.id)).not.toHaveProperty('revokedAt');

      // A third onboarding while the second is still unacknowledged supersedes it.
      const third = await onboardToReady(network.ps, device);
      expect(third.bundle.supi).not.toBe(second.bundle.supi);
      await waitFor(async () => (await network.udmCredentials(second.bundle.supi)) === undefined);
      expect(await status(network.ps, second.id)).toMatchObject({ status: 'delivered' });
      expect(await network.udmCredentials(third.bundle.supi)).toMatchObject({ k: third.bundle.k });
    } finally {
      await network.close();
    }
  });

  test('an older onboarding not yet acknowledged is superseded by a newer one', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const older = await onboardToReady(network.ps, device);
      const newer = await onboardToReady(network.ps, device, 'jwt');
      expect(await status(network.ps, older.id)).toMatchObject({
        status: 'failed',
        failure: { cause: 'SUPERSEDED' },
      });
      expect((await ack(network.ps, older.id, older.bundle.ackToken)).statusCode).toBe(409);
      await waitFor(async () => (await network.udmCredentials(older.bundle.supi)) === undefined);
      expect((await ack(network.ps, newer.id, newer.bundle.ackToken)).statusCode).toBe(204);
    } finally {
      await network.close();
    }
  });

  test('onboardings of one UEID at once: one ends ready, the UDM keeps only its SUPI', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const attempts = await Promise.all(
        [1, 2, 3, 4].map(async () => {
          const { evidence, cnf } = await makeEvidence(device, await challenge(network.ps), 'cwt');
          const r = await submit(network.ps, evidence);
          return { r, cnf };
        }),
      );
      const ids = attempts
        .filter((a) => a.r.statusCode === 202)
        .map((a) => a.r.json().id as string);
      const settled = await Promise.all(ids.map((id) => settle(network.ps, id)));
      const ready = settled.filter((s) => s.status === 'ready');
      expect(ready).toHaveLength(1);
      for (const s of settled.filter((s) => s.status !== 'ready')) {
        expect(s.failure?.cause).toBe('SUPERSEDED');
      }
      const winner = attempts.find((a) => a.r.json().id === ready[0]!.id)!;
      const bundle = await openBundle(ready[0]!.credentials!, winner.cnf.privateJwk);
      await waitFor(async () => (await network.ps.outbox.pending()).length === 0);
      for (const s of await sessionsOf(network, device.ueidHex)) {
        if (s.supi === undefined) continue;
        const held = await network.udmCredentials(s.supi);
        if (s.supi === bundle.supi) expect(held).toMatchObject({ k: bundle.k });
        else expect(held).toBeUndefined();
      }
    } finally {
      await network.close();
    }
  });

  test('the operator revokes a device: the UDM drops its SUPI', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const { bundle } = await onboard(network.ps, device);
      const r = await network.ps.app.inject({
        method: 'POST',
        url: `/onboarding-admin/v1/devices/${device.ueidHex}/revocation`,
        headers: admin,
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ revokedSupis: [bundle.supi] });
      await waitFor(async () => (await network.udmCredentials(bundle.supi)) === undefined);
    } finally {
      await network.close();
    }
  });

  test('the UDM refuses the push (wrong transport key): PUSH_FAILED, nothing left there', async () => {
    const network = await startNetwork(freshStore(kind));
    try {
      const device = makeDevice();
      await endorse(network, device);
      const transportKey = { id: 'not-the-udm-key', key: new Uint8Array(32) };
      await network.restartPs({ udm: { ...network.psConfig.udm, transportKey } });
      const { evidence } = await makeEvidence(device, await challenge(network.ps), 'cwt');
      const id = (await submit(network.ps, evidence)).json().id as string;
      const failed = await settle(network.ps, id);
      expect(failed).toMatchObject({ status: 'failed', failure: { cause: 'PUSH_FAILED' } });
      expect(failed.failure!.detail).toContain('refused');
      const [session] = await sessionsOf(network, device.ueidHex);
      expect(await network.udmCredentials(session!.supi!)).toBeUndefined();
      await waitFor(async () => (await network.ps.outbox.pending()).length === 0);
    } finally {
      await network.close();
    }
  });
});

async function waitFor(done: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}
