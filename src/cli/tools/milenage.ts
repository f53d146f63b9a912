import type { Command } from 'commander';
import { toHex } from '../../lib/bytes.js';
import { Milenage, opcFromOp } from '../../lib/aka/milenage.js';
import { hexOption, printJson } from '../args.js';
import { CliUsageError } from '../usage-error.js';

interface Options {
  k?: string;
  op?: string;
  opc?: string;
  rand?: string;
  sqn?: string;
  amf?: string;
}

export function registerMilenage(tools: Command): void {
  tools
    .command('milenage')
    .description('Milenage f1-f5* (TS 35.206) for one K, OP or OPc, RAND, SQN and AMF')
    .option('--k <hex>', 'subscriber key K, 16 bytes')
    .option('--op <hex>', 'operator variant OP, 16 bytes (or give --opc)')
    .option('--opc <hex>', 'OPc, 16 bytes (or give --op)')
    .option('--rand <hex>', 'RAND, 16 bytes')
    .option('--sqn <hex>', 'SQN, 6 bytes')
    .option('--amf <hex>', 'AMF, 2 bytes')
    .action((o: Options) => {
      const k = hexOption('--k', o.k, 16);
      if (o.op !== undefined && o.opc !== undefined) {
        throw new CliUsageError('give either --op or --opc (16 bytes of hex), not both');
      }
      if (o.op === undefined && o.opc === undefined) {
        throw new CliUsageError('--op or --opc is required: it expects 32 hex digits');
      }
      const opc =
        o.op !== undefined
          ? opcFromOp(k, hexOption('--op', o.op, 16))
          : hexOption('--opc', o.opc, 16);
      const m = new Milenage(k, opc).compute(
        hexOption('--rand', o.rand, 16),
        hexOption('--sqn', o.sqn, 6),
        hexOption('--amf', o.amf, 2),
      );
      printJson({
        opc: toHex(opc),
        mac_a: toHex(m.macA),
        mac_s: toHex(m.macS),
        res: toHex(m.res),
        ck: toHex(m.ck),
        ik: toHex(m.ik),
        ak: toHex(m.ak),
        ak_star: toHex(m.akStar),
      });
    });
}
