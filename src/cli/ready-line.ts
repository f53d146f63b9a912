// The other side of `serve --json`: waits for the one ready line a serve process prints once
// every function listens, and parses it. Used by the benchmarks and the tests that run `serve`.
import type { ChildProcess } from 'node:child_process';
import type { Endpoints } from './network.js';

export interface ReadyLine {
  ready: boolean;
  endpoints: Endpoints;
}

/** Resolves with the ready line; rejects (with serve's stderr, when piped) if it exits first. */
export function readyLine(child: ChildProcess): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as ReadyLine);
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before ready: ${err}`)));
  });
}
