// `npn-onboard openapi [--out DIR]`: writes the OpenAPI document of every interface, as the
// running functions serve them, to DIR (default ./openapi). The documents come from the routes'
// JSON schemas, so this is how openapi/ is kept current.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createDcs, DCS_INTERFACES } from '../nf/dcs/dcs.js';
import { openApiDocument, type InterfaceInfo } from '../sbi/openapi.js';
import { generateJwkPair } from '../lib/key-pairs.js';

/** The file name of an interface's document: its prefix, e.g. /endorsements/v1 -> endorsements-v1.json */
export function documentFileName(info: InterfaceInfo): string {
  return `${info.prefix.replace(/^\//, '').replace(/\//g, '-')}.json`;
}

/** Every interface's document, keyed by file name. */
export async function allDocuments(): Promise<Record<string, Record<string, unknown>>> {
  const scratch = mkdtempSync(join(tmpdir(), 'npn-openapi-'));
  try {
    const dcs = await createDcs({
      store: { kind: 'sqlite', dataDir: scratch },
      kek: new Uint8Array(randomBytes(32)),
      adminToken: randomBytes(24).toString('base64url'),
      earSigningKey: {
        privateJwk: generateJwkPair('P-256').privateJwk,
        kid: 'openapi',
      },
      logger: false,
    });
    await dcs.app.ready();
    const docs = Object.fromEntries(
      DCS_INTERFACES.map((info) => [documentFileName(info), openApiDocument(dcs.app, info)]),
    );
    await dcs.close();
    return docs;
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
