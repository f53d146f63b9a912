// The program of a function thread (see function-thread.ts, its other end). Importing network.ts
// loads the functions' modules as soon as the thread exists, before it is told where their peers
// are; then it starts and closes functions as asked, reporting each outcome.
import { parentPort } from 'node:worker_threads';
import type { ProvisioningConfig } from '../nf/ps/config.js';
import type { ThreadReport, ThreadRequest } from './function-thread.js';
import { FUNCTIONS, loadDeployment, type RunningFunction } from './network.js';
import { CliUsageError } from './usage-error.js';

const port = parentPort!;
const report = (r: ThreadReport) => port.postMessage(r);
const running = new Map<string, RunningFunction>();
let config: ProvisioningConfig | undefined;

port.on('message', (request: ThreadRequest) => {
  if ('start' in request) {
    const { name, settings } = request.start;
    FUNCTIONS[name]!.start({
      ...settings,
      deployment: () => (config ??= loadDeployment(settings.dataDir)),
    }).then(
      (r) => {
        running.set(name, r);
        report({ listening: r.url });
      },
      (err: unknown) => {
        const e = err as NodeJS.ErrnoException;
        report({
          failed: {
            usage: err instanceof CliUsageError,
            ...(typeof e.code === 'string' ? { code: e.code } : {}),
            name: e.name,
            message: e.message,
            ...(e.stack !== undefined ? { stack: e.stack } : {}),
          },
        });
      },
    );
  } else {
    const r = running.get(request.close);
    running.delete(request.close);
    (r?.close() ?? Promise.resolve()).then(
      () => report({ closed: true }),
      (err: unknown) => report({ closeFailed: (err as Error).message }),
    );
  }
});
