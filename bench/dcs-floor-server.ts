// The floor under bench/dcs: a Fastify server set up as the DCS's is, in as many processes as
// the DCS runs, whose handler does only what no appraisal can skip: take the same request (same
// JSON schema), make one ES256 verification and one ES256 signature, answer a JSON body of an
// EAR's size. Its
// rate, measured the same way in the same run, is what the stack (Node's HTTP server, Fastify,
// OpenSSL's P-256) allows on this machine before any CBOR, policy or audit work.
// Run by bench/dcs: `node dist/bench/dcs-floor-server.js WORKERS`; when it listens it prints the
// ready line `serve --json` prints, {"ready": true, "endpoints": {"dcs": <base URL>}}.
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { ReadyLine } from '../src/cli/ready-line.js';
import { appraisalRequest } from '../src/nf/dcs/routes-verification.js';
import { createSbiServer } from '../src/sbi/server.js';

const WORKERS = Number(process.argv[2] ?? 1);

if (cluster.isPrimary && WORKERS > 1) {
  let ready = 0;
  for (let i = 0; i < WORKERS; i++) {
    cluster.fork().on('message', (line: ReadyLine) => {
      if (++ready === WORKERS) process.stdout.write(`${JSON.stringify(line)}\n`);
    });
  }
} else {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = randomBytes(300);
  const signature = sign('sha256', signed, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  // The DCS's own Fastify set-up (src/sbi/server.ts) and request schema.
  const app = createSbiServer({ name: 'floor' });
  app.post<{ Body: { evidence: { type: string; value: string }; nonce: string } }>(
    '/verification/v1/appraisals',
    {
      schema: {
        body: appraisalRequest,
        response: { 200: { type: 'object', properties: { ear: { type: 'string' } } } },
      },
    },
    async (request) => {
      const evidence = Buffer.from(request.body.evidence.value, 'base64url');
      const valid = verify(
        'sha256',
        signed,
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      );
      const payload = Buffer.from(`${request.body.nonce}.${evidence.length}.${valid}`.repeat(12));
      const ear = sign('sha256', payload, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return { ear: `${payload.toString('base64url')}.${ear.toString('base64url')}` };
    },
  );
  // In a cluster, every worker's listen(0) gets the one port the primary picked.
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const line: ReadyLine = { ready: true, endpoints: { dcs: address } };
  if (cluster.isWorker) process.send!(line);
  else process.stdout.write(`${JSON.stringify(line)}\n`);
}
