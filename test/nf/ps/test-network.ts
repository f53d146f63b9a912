// A real network for the PS's tests: the DCS and the UDM listening on free ports, the PS in
// front of them, simulated devices made here from keys the tests generate, and the UE's side of
// the onboarding API (challenge, Evidence, poll, decrypt, ack). A fault proxy between the PS and
// the UDM (or the DCS) plays an unreachable peer or a lost answer.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, type JWK } from 'jose';
import { generateJwkPair } from '../../../src/lib/key-pairs.js';
import { forward, readBody } from '../../http-forward.js';
import { fromBase64url, toHex } from '../../../src/lib/bytes.js';
import type { CredentialBundle } from '../../../src/lib/onboarding/credential-bundle.js';
import { parseCredentialBundle } from '../../../src/lib/onboarding/credential-bundle.js';
import { createDcs, type Dcs } from '../../../src/nf/dcs/dcs.js';
import { createUdm, type Udm } from '../../../src/nf/udm/udm.js';
import { UdmClient } from '../../../src/nf/udm/client.js';
import type { ProvisioningConfig } from '../../../src/nf/ps/config.js';
import { createPs, type Ps, type PsConfig } from '../../../src/nf/ps/ps.js';
import type { StoreConfig } from '../../../src/store/store-config.js';
import {
  ADMIN_TOKEN,
  HWMODEL,
  OEMID,
  OP,
  admin,
  makeEvidence,
  testConfig,
  type Evidence,
  type EvidenceForm,
  type TestDevice,
} from './devices.js';

export * from './devices.js';

/**
 * Passes HTTP to a target, or plays a fault: 'down' refuses every request (the connection is
 * cut), 'lose-answer' forwards the request and cuts the connection instead of answering.
 */
export class FaultProxy {
  mode: 'pass' | 'down' | 'lose-answer' = 'pass';
  /** requests that reached the target, by "METHOD path" */
  readonly forwarded: string[] = [];
  readonly #server: Server;

  constructor(private readonly target: string) {
    this.#server = createServer((req, res) => {
      if (this.mode === 'down') {
        req.socket.destroy();
        return;
      }
      const mode = this.mode;
      void readBody(req)
        .then((body) => forward(this.target, req, body))
        .then(
          (answer) => {
            this.forwarded.push(`${req.method} ${req.url}`);
            if (mode === 'lose-answer') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode, answer.headers);
            res.end(answer.body);
          },
          () => req.socket.destroy(),
        );
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export interface TestNetwork {
  dcs: Dcs;
  ps: Ps;
  /** the PS's configuration (restartPs changes it) */
  psConfig: PsConfig;
  /** between the PS and the UDM */
  udmProxy: FaultProxy;
  /** between the PS and the DCS */
  dcsProxy: FaultProxy;
  /** the DCS's and the UDM's own addresses (the PS reaches them through the proxies) */
  urls: { dcs: string; udm: string };
  /** the UDM's client, as the tests' window on what the UDM holds */
  udmClient: UdmClient;
  /** the UDM's subscription of a SUPI with K and OPc as the UDM stores them, or undefined */
  udmCredentials(supi: string): Promise<UdmHeld | undefined>;
  /** moves the PS's clock */
  advanceClock(ms: number): void;
  /** closes the PS and starts it again on the same store (a restart) */
  restartPs(change?: Partial<PsConfig>): Promise<Ps>;
  close(): Promise<void>;
}

export interface UdmHeld {
  authenticationMethod: string;
  k: string;
  opc: string;
  amf: string;
  sqn: string;
  /** the end of validity the UDM enforces, when the PS sent one */
  notAfter?: string;
}

export async function startNetwork(
  store: StoreConfig,
  options: { config?: ProvisioningConfig; ps?: Partial<PsConfig> } = {},
): Promise<TestNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'npn-ps-net-'));
  const dcs = await createDcs({
    store: { kind: 'sqlite', dataDir: join(dir, 'dcs') },
    kek: new Uint8Array(randomBytes(32)),
    adminToken: ADMIN_TOKEN,
    earSigningKey: { privateJwk: generateJwkPair('P-256').privateJwk, kid: 'dcs-test' },
    logger: false,
  });
  const dcsUrl = await dcs.app.listen({ host: '127.0.0.1', port: 0 });
  const transportKey = { id: 'test-transport-key', key: new Uint8Array(randomBytes(32)) };
  const udm = await createUdm({
    store: { kind: 'sqlite', dataDir: join(dir, 'udm') },
    kek: new Uint8Array(randomBytes(32)),
    adminToken: ADMIN_TOKEN,
    transportKey,
    logger: false,
  });
  const udmUrl = await udm.app.listen({ host: '127.0.0.1', port: 0 });
  const udmProxy = new FaultProxy(udmUrl);
  const dcsProxy = new FaultProxy(dcsUrl);
  const [udmProxyUrl, dcsProxyUrl] = [await udmProxy.listen(), await dcsProxy.listen()];

  let offset = 0;
  const psConfig: PsConfig = {
    store,
    kek: new Uint8Array(randomBytes(32)),
    adminToken: ADMIN_TOKEN,
    op: OP,
    provisioning: options.config ?? testConfig(),
    dcs: { baseUrl: dcsProxyUrl, timeoutMs: 2000 },
    udm: { baseUrl: udmProxyUrl, transportKey, timeoutMs: 2000 },
    logger: false,
    worker: { pollMs: 20, leaseMs: 300 },
    clock: () => Date.now() + offset,
    ...options.ps,
  };
  let ps = await createPs(psConfig);
  const udmClient = new UdmClient({ baseUrl: udmUrl, bearerToken: ADMIN_TOKEN, transportKey });
  const network: TestNetwork = {
    dcs,
    get ps() {
      return ps;
    },
    psConfig,
    urls: { dcs: dcsUrl, udm: udmUrl },
    udmProxy,
    dcsProxy,
    udmClient,
    async udmCredentials(supi) {
      return heldAtUdm(udm, supi);
    },
    advanceClock(ms) {
      offset += ms;
    },
    async restartPs(change = {}) {
      await ps.close();
      Object.assign(psConfig, change);
      ps = await createPs(psConfig);
      return ps;
    },
    async close() {
      await ps.close();
      await udmProxy.close();
      await dcsProxy.close();
      await udm.close();
      await dcs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return network;
}

/** What the UDM holds for a SUPI, K and OPc included, as its own store has them (sealed under its KEK). */
async function heldAtUdm(udm: Udm, supi: string): Promise<UdmHeld | undefined> {
  const held = await udm.subscriptions.credentials(supi);
  if (!held) return undefined;
  return {
    authenticationMethod: held.authenticationMethod,
    k: toHex(held.k),
    opc: toHex(held.opc),
    amf: held.amf,
    sqn: held.sqn,
    ...(held.notAfter !== undefined ? { notAfter: held.notAfter } : {}),
  };
}

export async function endorse(
  network: TestNetwork,
  device: TestDevice,
  deviceClass = 'meter-v1',
): Promise<void> {
  const r = await network.dcs.app.inject({
    method: 'PUT',
    url: `/endorsements/v1/devices/${device.ueidHex}`,
    headers: admin,
    payload: { akm: device.endorsedAkm, deviceClass, oemid: OEMID, hwmodel: HWMODEL },
  });
  if (r.statusCode !== 201 && r.statusCode !== 200) throw new Error(`endorse: ${r.body}`);
}

// ---- the UE's side of the onboarding API ----

export async function challenge(ps: Ps): Promise<Uint8Array> {
  const r = await ps.app.inject({ method: 'POST', url: '/onboarding/v1/challenges' });
  if (r.statusCode !== 201) throw new Error(`challenge: ${r.statusCode} ${r.body}`);
  return fromBase64url((r.json() as { nonce: string }).nonce)!;
}

export function submit(ps: Ps, evidence: Evidence, headers: Record<string, string> = {}) {
  return ps.app.inject({
    method: 'POST',
    url: '/onboarding/v1/sessions',
    headers: { 'content-type': evidence.contentType, ...headers },
    payload: evidence.body,
  });
}

export interface SessionView {
  id: string;
  status: string;
  credentials?: string;
  failure?: { cause: string; detail: string };
}

export async function status(ps: Ps, id: string): Promise<SessionView> {
  const r = await ps.app.inject({ method: 'GET', url: `/onboarding/v1/sessions/${id}` });
  if (r.statusCode !== 200) throw new Error(`status: ${r.statusCode} ${r.body}`);
  return r.json();
}

/** Polls until the session leaves the given statuses (the worker runs in the background). */
export async function settle(
  ps: Ps,
  id: string,
  until: (v: SessionView) => boolean = (v) =>
    v.status !== 'attesting' && v.status !== 'provisioning',
  timeoutMs = 10_000,
): Promise<SessionView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await status(ps, id);
    if (until(v)) return v;
    if (Date.now() > deadline) throw new Error(`session ${id} stayed ${v.status}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens the JWE with the cnf private key and checks the bundle strictly. */
export async function openBundle(jwe: string, cnfPrivate: JWK): Promise<CredentialBundle> {
  const { importJWK } = await import('jose');
  const { plaintext, protectedHeader } = await compactDecrypt(
    jwe,
    await importJWK(cnfPrivate, 'ECDH-ES+A256KW'),
  );
  if (protectedHeader.alg !== 'ECDH-ES+A256KW' || protectedHeader.enc !== 'A256GCM') {
    throw new Error(`unexpected JWE header ${JSON.stringify(protectedHeader)}`);
  }
  const parsed = parseCredentialBundle(JSON.parse(Buffer.from(plaintext).toString('utf8')));
  if (!parsed.ok) throw new Error(`bundle: ${parsed.detail}`);
  return parsed.bundle;
}

export function ack(ps: Ps, id: string, ackToken: string) {
  return ps.app.inject({
    method: 'POST',
    url: `/onboarding/v1/sessions/${id}/ack`,
    payload: { ackToken },
  });
}

/** The whole UE side: challenge, Evidence, poll until ready, decrypt; the ack is the caller's. */
export async function onboardToReady(
  ps: Ps,
  device: TestDevice,
  form: EvidenceForm = 'cwt',
): Promise<{ id: string; bundle: CredentialBundle; cnf: { publicJwk: JWK; privateJwk: JWK } }> {
  const nonce = await challenge(ps);
  const { evidence, cnf } = await makeEvidence(device, nonce, form);
  const r = await submit(ps, evidence);
  if (r.statusCode !== 202) throw new Error(`sessions: ${r.statusCode} ${r.body}`);
  const { id } = r.json() as { id: string };
  const ready = await settle(ps, id);
  if (ready.status !== 'ready')
    throw new Error(`session ${id} is ${ready.status}: ${JSON.stringify(ready.failure)}`);
  return { id, bundle: await openBundle(ready.credentials!, cnf.privateJwk), cnf };
}

/** Onboards to delivered. */
export async function onboard(ps: Ps, device: TestDevice, form: EvidenceForm = 'cwt') {
  const result = await onboardToReady(ps, device, form);
  const r = await ack(ps, result.id, result.bundle.ackToken);
  if (r.statusCode !== 204) throw new Error(`ack: ${r.statusCode} ${r.body}`);
  return result;
}
