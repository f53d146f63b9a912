import type { Command } from 'commander';
import { toHex } from '../../lib/bytes.js';
import { AkaError } from '../../lib/aka/errors.js';
import { generateHeAv, kamf, kseaf } from '../../lib/aka/five-g-aka.js';
import { parseServingNetworkName } from '../../lib/aka/serving-network-name.js';
import { hexOption, hexOptionRange, printJson, textOption } from '../args.js';
import { CliUsageError } from '../usage-error.js';

interface Options {
  k?: string;
  opc?: string;
  rand?: string;
  sqn?: string;
  amf?: string;
  snn?: string;
  supi?: string;
  abba?: string;
}

const SNN_EXPECTS =
  '5G:mncXXX.mccYYY.3gppnetwork.org, and for an SNPN :NID with 11 upper-case hex digits';

/** The serving network name, checked: a lower-case NID or a 2-digit MNC is a classic mismatch. */
export function snnOption(value: unknown): string {
  const snn = textOption('--snn', value, SNN_EXPECTS);
  try {
    parseServingNetworkName(snn);
  } catch (err) {
    if (err instanceof AkaError) throw new CliUsageError(`--snn expects ${SNN_EXPECTS}`);
    throw err;
  }
  return snn;
}

/** The SUPI value KAMF takes: IMSI digits (optionally imsi-prefixed) or an NAI. */
function supiOption(value: unknown): string {
  const expects = 'the IMSI digits (5 to 15), imsi-DIGITS, or nai-USER@REALM';
  const text = textOption('--supi', value, expects);
  const imsi = /^(?:imsi-)?(\d{5,15})$/.exec(text);
  if (imsi) return imsi[1]!;
  const nai = /^nai-(.+@.+)$/.exec(text);
  if (nai) return nai[1]!;
  throw new CliUsageError(`--supi expects ${expects}`);
}

export function registerFiveGAka(tools: Command): void {
  tools
    .command('5g-aka')
    .description('a 5G HE authentication vector and the key hierarchy down to KAMF (TS 33.501)')
    .option('--k <hex>', 'subscriber key K, 16 bytes')
    .option('--opc <hex>', 'OPc, 16 bytes')
    .option('--rand <hex>', 'RAND, 16 bytes')
    .option('--sqn <hex>', 'SQN, 6 bytes')
    .option('--amf <hex>', 'AMF, 2 bytes')
    .option('--snn <text>', `serving network name: ${SNN_EXPECTS}`)
    .option('--supi <digits>', 'SUPI for KAMF: IMSI digits, or nai-USER@REALM')
    .option('--abba <hex>', 'ABBA parameter (default 0000)', '0000')
    .action((o: Options) => {
      const snn = snnOption(o.snn);
      const av = generateHeAv({
        k: hexOption('--k', o.k, 16),
        opc: hexOption('--opc', o.opc, 16),
        rand: hexOption('--rand', o.rand, 16),
        sqn: hexOption('--sqn', o.sqn, 6),
        amf: hexOption('--amf', o.amf, 2),
        snn,
      });
      const supi = supiOption(o.supi);
      const abba = hexOptionRange('--abba', o.abba, 2, 255);
      const kseafValue = kseaf(av.kausf, snn);
      printJson({
        autn: toHex(av.autn),
        xres_star: toHex(av.xresStar),
        hxres_star: toHex(av.hxresStar),
        kausf: toHex(av.kausf),
        kseaf: toHex(kseafValue),
        kamf: toHex(kamf(kseafValue, supi, abba)),
      });
    });
}
