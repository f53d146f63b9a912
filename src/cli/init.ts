// `npn-onboard init --data DIR`: a data directory ready to serve: the commented default
// configuration (one demo SNPN, an IMSI range, a policy) and every secret the functions need,
// each in its own 0600 file. The UDM makes its SUCI home network keys on its first start.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE_NAME, defaultConfigYaml } from '../nf/ps/config.js';
import { printJson, textOption } from './args.js';
import {
  adminToken,
  keyEncryptionKey,
  operatorKey,
  prepareDataDir,
  sharedKey,
  signingKey,
} from './data-dir.js';
import { CliUsageError } from './usage-error.js';

export const UDM_TRANSPORT_KEY = 'udm-transport-key';
export const DCS_EAR_SIGNING_KEY = 'dcs-ear-signing-key';

/** Writes the configuration (unless present, or with force) and creates the secrets. */
export function initDataDir(dir: string, options: { force?: boolean } = {}): { config: string } {
  prepareDataDir(dir);
  const config = join(dir, CONFIG_FILE_NAME);
  if (existsSync(config) && options.force !== true) {
    throw new CliUsageError(
      `${config} exists: edit it, or pass --force to write the default configuration again`,
    );
  }
  writeFileSync(config, defaultConfigYaml(), { mode: 0o644 });
  adminToken(dir);
  keyEncryptionKey(dir);
  operatorKey(dir);
  sharedKey(dir, UDM_TRANSPORT_KEY);
  signingKey(dir, DCS_EAR_SIGNING_KEY);
  return { config };
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write the default configuration and the secrets into a data directory')
    .option('--data <dir>', 'data directory to prepare')
    .option('--force', 'overwrite an existing configuration file')
    .action((o: { data?: string; force?: boolean }) => {
      const dir = textOption('--data', o.data, 'a data directory');
      const { config } = initDataDir(dir, { force: o.force === true });
      printJson({
        dataDir: dir,
        config,
        secrets: ['admin-token', 'kek', 'op', UDM_TRANSPORT_KEY, `${DCS_EAR_SIGNING_KEY}.jwk`],
        next: `npn-onboard serve --data ${dir}`,
      });
    });
}
