// The forwarding half of the tests' fault proxies (test/nf/ps/test-network.ts FaultProxy,
// test/cli/hold-proxy.ts HoldProxy): reads a request whole and sends it on to a target, so each
// proxy decides only what to do before forwarding and with the answer.
import { request as httpRequest, type IncomingMessage, type IncomingHttpHeaders } from 'node:http';

export interface Forwarded {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The request's body, read whole. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends the request (its method, path, headers and body) to `target`; the answer, read whole. */
export function forward(target: string, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url ?? '/', target);
    const out = httpRequest(url, { method: req.method, headers: req.headers }, (answer) => {
      readBody(answer).then(
        (answerBody) =>
          resolve({
            statusCode: answer.statusCode ?? 502,
            headers: answer.headers,
            body: answerBody,
          }),
        reject,
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}
