import type { Command } from 'commander';
import { toHex } from '../../lib/bytes.js';
import { sqnToNumber, UsimSqnArray } from '../../lib/aka/sqn.js';
import { checkAuthentication } from '../../lib/aka/usim.js';
import { hexOption, intOption, printJson } from '../args.js';
import { snnOption } from './five-g-aka.js';

interface Options {
  k?: string;
  opc?: string;
  sqnMs?: string;
  rand?: string;
  autn?: string;
  snn?: string;
  indBits?: string;
}

export function registerAuthCheck(tools: Command): void {
  tools
    .command('auth-check')
    .description(
      "the USIM's verdict on a challenge: ok (with RES, RES*), mac_failure, or sync_failure with AUTS",
    )
    .option('--k <hex>', 'subscriber key K, 16 bytes')
    .option('--opc <hex>', 'OPc, 16 bytes')
    .option('--sqn-ms <hex>', "the USIM's highest accepted SQN (SQN_MS), 6 bytes")
    .option('--rand <hex>', 'RAND, 16 bytes')
    .option('--autn <hex>', 'AUTN, 16 bytes')
    .option('--snn <text>', 'serving network name, to compute RES* (5G AKA)')
    .option('--ind-bits <n>', 'bits of IND in SQN (TS 33.102 Annex C; 0 = plain counter)', '5')
    .action((o: Options) => {
      const indBits = intOption('--ind-bits', o.indBits, 0, 16);
      const sqnMs = sqnToNumber(hexOption('--sqn-ms', o.sqnMs, 6));
      const snn = o.snn === undefined ? undefined : snnOption(o.snn);
      // Only SQN_MS is known, so every array slot is taken to hold its SEQ.
      const sqnArray = UsimSqnArray.fromSqnMs(sqnMs, { indBits, delta: 2 ** 28 });
      const verdict = checkAuthentication({
        k: hexOption('--k', o.k, 16),
        opc: hexOption('--opc', o.opc, 16),
        rand: hexOption('--rand', o.rand, 16),
        autn: hexOption('--autn', o.autn, 16),
        sqnArray,
        ...(snn === undefined ? {} : { snn }),
      });
      switch (verdict.result) {
        case 'ok':
          printJson({
            result: 'ok',
            res: toHex(verdict.res),
            ...(verdict.resStar ? { res_star: toHex(verdict.resStar) } : {}),
            sqn: toHex(verdict.sqn),
          });
          break;
        case 'mac_failure':
          printJson({ result: 'mac_failure' });
          break;
        case 'sync_failure':
          printJson({
            result: 'sync_failure',
            auts: toHex(verdict.auts),
            reason: verdict.reason,
            sqn: toHex(verdict.sqn),
          });
          break;
      }
    });
}
