// `npn-onboard openapi [--out DIR]`: writes the OpenAPI document of every interface, as the
// running functions serve them, to DIR (default ./openapi). The documents come from the routes'
// JSON schemas, so this is how openapi/ is kept current.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AMF_INTERFACES } from '../nf/amf/amf.js';
import { AUSF_INTERFACES } from '../nf/ausf/ausf.js';
import { DCS_INTERFACES } from '../nf/dcs/dcs.js';
import { PS_INTERFACES } from '../nf/ps/ps.js';
import { UDM_INTERFACES } from '../nf/udm/udm.js';
import type { InterfaceInfo } from '../sbi/openapi.js';
import { initDataDir } from './init.js';
import { startNetwork } from './network.js';

/** Each function's interfaces. */
const INTERFACES: Record<string, InterfaceInfo[]> = {
  dcs: DCS_INTERFACES,
  udm: UDM_INTERFACES,
  ps: PS_INTERFACES,
  ausf: AUSF_INTERFACES,
  amf: AMF_INTERFACES,
};

/** The file name of an interface's document: its prefix, e.g. /endorsements/v1 -> endorsements-v1.json */
export function documentFileName(info: InterfaceInfo): string {
  return `${info.prefix.replace(/^\//, '').replace(/\//g, '-')}.json`;
}

/**
 * Every interface's document, keyed by file name: fetched from a network started in a scratch
 * directory, so the files are exactly what the running functions serve.
 */
export async function allDocuments(): Promise<Record<string, Record<string, unknown>>> {
  const scratch = mkdtempSync(join(tmpdir(), 'npn-openapi-'));
  try {
    initDataDir(scratch);
    const network = await startNetwork(scratch, Object.keys(INTERFACES), {
      portBase: 0,
      quiet: true,
      synchronous: 'NORMAL',
    });
    try {
      const docs: Record<string, Record<string, unknown>> = {};
      for (const [fn, infos] of Object.entries(INTERFACES)) {
        for (const info of infos) {
          const r = await fetch(`${network.endpoints[fn]!}${info.prefix}/openapi.json`);
          docs[documentFileName(info)] = (await r.json()) as Record<string, unknown>;
        }
      }
      return docs;
    } finally {
      await network.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description('write the OpenAPI 3.1 document of every interface')
    .option('--out <dir>', 'output directory', 'openapi')
    .action(async (o: { out: string }) => {
      mkdirSync(o.out, { recursive: true });
      const docs = await allDocuments();
      for (const [name, doc] of Object.entries(docs)) {
        writeFileSync(join(o.out, name), `${JSON.stringify(doc, null, 2)}\n`);
      }
      process.stdout.write(
        `${JSON.stringify({ written: Object.keys(docs).map((n) => join(o.out, n)) })}\n`,
      );
    });
}
