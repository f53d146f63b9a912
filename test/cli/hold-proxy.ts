// An HTTP proxy for crash tests: it passes requests to a target, and can hold one that matches a
// rule, before forwarding it or after (with the target's answer kept back), so a test can kill a
// process at a precise point of a protocol. Held connections are cut when the test releases them.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readBody } from '../http-forward.js';

export interface HoldRule {
  method: string;
  /** matched against the request path */
  path: RegExp;
  /** 'before': never forwarded; 'after': forwarded, the answer kept back */
  when: 'before' | 'after';
  /** with 'after': hold only answers whose body matches */
  answer?: RegExp;
}

export class HoldProxy {
  #rule: HoldRule | undefined;
  #hit: (() => void) | undefined;
  readonly #held: IncomingMessage[] = [];
  readonly #server: Server;

  constructor(private readonly target: string) {
    this.#server = createServer((req, res) => {
      void readBody(req).then(async (body) => {
        const rule = this.#matching(req);
        if (rule?.when === 'before') return this.#hold(req);
        let answer;
        try {
          answer = await forward(this.target, req, body);
        } catch {
          req.socket.destroy();
          return;
        }
        if (rule && (!rule.answer || rule.answer.test(answer.body.toString('utf8')))) {
          return this.#hold(req);
        }
        res.writeHead(answer.statusCode, answer.headers);
        res.end(answer.body);
      });
    });
  }

  /** Holds the next request the rule matches; resolves once one is held. */
  holdNext(rule: HoldRule): Promise<void> {
    this.#rule = rule;
    return new Promise((resolve) => (this.#hit = resolve));
  }

  /** Cuts every held connection and stops holding. */
  release(): void {
    this.#rule = undefined;
    for (const req of this.#held.splice(0)) req.socket.destroy();
  }

  #matching(req: IncomingMessage): HoldRule | undefined {
    const rule = this.#rule;
    if (!rule || rule.method !== req.method) return undefined;
    return rule.path.test(new URL(req.url ?? '/', this.target).pathname) ? rule : undefined;
  }

  #hold(req: IncomingMessage): void {
    this.#held.push(req);
    // One hit per rule: later requests pass until the test arms it again.
    this.#rule = undefined;
    this.#hit?.();
    this.#hit = undefined;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
