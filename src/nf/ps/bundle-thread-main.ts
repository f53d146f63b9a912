// The program of the PS's bundle thread (see bundle-thread.ts, its other end): encrypts each
// credential bundle it is sent and answers with the JWE, or with the error's name and message.
import { parentPort } from 'node:worker_threads';
import { encryptBundle } from './bundle.js';
import type { BundleReply, BundleRequest } from './bundle-thread.js';

const port = parentPort!;
port.on('message', ({ id, bundle, cnf }: BundleRequest) => {
  let reply: BundleReply;
  try {
    reply = { id, jwe: encryptBundle(bundle, cnf) };
  } catch (err) {
    reply = { id, error: { name: (err as Error).name, message: (err as Error).message } };
  }
  port.postMessage(reply);
});
