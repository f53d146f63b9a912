// `npn-onboard demo [--ues N] [--json]`: Steps 1, 2 and 3 on this machine. A fresh data directory,
// the network (DCS, UDM, PS, AUSF, AMF) in this process, N simulated devices made and registered
// at the DCS, then all of them onboarded concurrently, each then registering with the SNPN (5G AKA
// or EAP-AKA' with its new credentials); the first one's steps as two ladders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { servingNetworkName } from '../../lib/aka/serving-network-name.js';
import { AmfClient } from '../../nf/amf/client.js';
import { loadConfig, snpnIds } from '../../nf/ps/config.js';
import { OnboardingClient } from '../../nf/ps/client.js';
import { FileCredentialStore } from '../../ue/credential-store.js';
import type { OnboardingResult } from '../../ue/onboarding.js';
import type { RegistrationResult } from '../../ue/registration.js';
import { openSoftwareKeyStore } from '../../ue/software-key-store.js';
import { intOption, textOption } from '../args.js';
import { adminToken } from '../data-dir.js';
import { makeDevices, registerDeviceBatch } from '../devices.js';
import { initDataDir } from '../init.js';
import { startNetwork } from '../network.js';
import { CliUsageError } from '../usage-error.js';
import { onboardMany } from './onboard-many.js';
import { ladder, ProgressBar, registrationLadder, summarise, type DemoSummary } from './report.js';

export interface DemoOptions {
  ues: number;
  form: 'cwt' | 'jwt';
  /** onboardings in flight at once */
  concurrency: number;
  /** progress and ladder on stderr/stdout; false for --json */
  verbose: boolean;
}

export interface DemoResult {
  summary: DemoSummary;
  first?: { ueid: string; result: OnboardingResult; registration?: RegistrationResult };
  failures: Record<string, number>;
}

const DEVICE_CLASS = 'demo-sensor';

/** Runs the demo in a temporary directory, removed at the end whatever happens. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const root = mkdtempSync(join(tmpdir(), 'npn-onboard-demo-'));
  const say = (line: string) => {
    if (options.verbose) process.stderr.write(`${line}\n`);
  };
  try {
    const dataDir = join(root, 'data');
    initDataDir(dataDir);
    const network = await startNetwork(dataDir, ['dcs', 'udm', 'ps', 'ausf', 'amf'], {
      portBase: 0,
      quiet: true,
      // A throw-away directory: commits need to survive a crash of this process, not a power cut.
      synchronous: 'NORMAL',
      threads: true,
    });
    try {
      say(
        `network: ${Object.entries(network.endpoints)
          .map(([n, u]) => `${n} ${u}`)
          .join(', ')}`,
      );
      const batch = join(root, 'devices');
      const { manifest } = makeDevices({
        count: options.ues,
        deviceClass: DEVICE_CLASS,
        out: batch,
      });
      await registerDeviceBatch({
        dir: batch,
        dcsUrl: network.endpoints.dcs!,
        adminToken: adminToken(dataDir),
      });
      say(`made ${options.ues} devices of class ${DEVICE_CLASS} and registered them at the DCS`);

      const devices = manifest.devices.map((d) => {
        const dir = join(batch, d.dir);
        return {
          keyStore: openSoftwareKeyStore(dir),
          credentialStore: new FileCredentialStore(dir),
        };
      });
      const client = new OnboardingClient({ baseUrl: network.endpoints.ps! });
      // What the SNPNs' cells broadcast: the network serves every SNPN of its configuration.
      const broadcast = snpnIds(loadConfig(dataDir));
      const bar = new ProgressBar(options.ues);
      let first: DemoResult['first'];
      const { latencies, onboarded, authenticated, failures, elapsedMs } = await onboardMany(
        client,
        devices,
        {
          form: options.form,
          concurrency: options.concurrency,
          register: { amf: new AmfClient({ baseUrl: network.endpoints.amf! }), broadcast },
          onSettled(index, outcome, ok) {
            if (index === 0 && outcome.onboarding) {
              first = {
                ueid: manifest.devices[0]!.ueid,
                result: outcome.onboarding,
                ...(outcome.registration ? { registration: outcome.registration } : {}),
              };
            }
            if (options.verbose) bar.tick(ok);
          },
        },
      );
      const failed = Object.values(failures).reduce((a, b) => a + b, 0);
      return {
        summary: summarise(options.ues, latencies, failed, elapsedMs, { onboarded, authenticated }),
        ...(first !== undefined ? { first } : {}),
        failures,
      };
    } finally {
      await network.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface DemoCliOptions {
  ues?: string;
  form?: string;
  concurrency?: string;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'onboard simulated devices end to end on this machine, then register them with the SNPN (temporary data directory)',
    )
    .option('--ues <n>', 'how many devices to make and onboard', '100')
    .option('--form <form>', 'Evidence form: cwt or jwt', 'cwt')
    .option('--concurrency <n>', 'onboardings in flight at once', '64')
    .option('--json', 'print only the summary, as one JSON object')
    .action(async (o: DemoCliOptions) => {
      const ues = intOption('--ues', o.ues, 1, 10_000);
      const concurrency = intOption('--concurrency', o.concurrency, 1, 1000);
      const form = textOption('--form', o.form, 'cwt or jwt');
      if (form !== 'cwt' && form !== 'jwt') throw new CliUsageError('--form expects cwt or jwt');
      const json = o.json === true;
      const { summary, first, failures } = await runDemo({
        ues,
        form,
        concurrency,
        verbose: !json,
      });
      if (json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        if (first) {
          const { bundle, timings } = first.result;
          process.stdout.write(
            `\n${ladder(timings, {
              ueid: first.ueid,
              supi: bundle.supi,
              form: form.toUpperCase(),
              status: 'affirming',
              authMethod: bundle.authMethod,
            })}\n\n`,
          );
          if (first.registration) {
            const r = first.registration;
            process.stdout.write(
              `${registrationLadder(r.timings, {
                suci: r.suci,
                snn: servingNetworkName(r.snpn),
                authMethod: r.authMethod,
                supi: r.supi,
              })}\n\n`,
            );
          }
        }
        const causes = Object.entries(failures)
          .map(([c, n]) => `${c} x${n}`)
          .join(', ');
        process.stdout.write(
          `onboarded ${summary.onboarded} of ${summary.ues}, authenticated ${summary.authenticated}` +
            (summary.failed > 0 ? `, failed ${summary.failed} (${causes})` : '') +
            `; ${summary.rate_per_s}/s, p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms\n`,
        );
      }
      if (summary.failed > 0) process.exitCode = 1;
    });
}
