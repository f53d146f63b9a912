import type { Command } from 'commander';
import { toHex } from '../../lib/bytes.js';
import { ckIkPrime, eapAkaPrimeKeys } from '../../lib/aka/eap-aka-prime.js';
import { splitAutn } from '../../lib/aka/five-g-aka.js';
import { hexOption, printJson, textOption } from '../args.js';

interface Options {
  ck?: string;
  ik?: string;
  autn?: string;
  networkName?: string;
  identity?: string;
}

export function registerEapAkaPrime(tools: Command): void {
  tools
    .command('eap-aka-prime')
    .description(
      "EAP-AKA' keys: CK', IK' (TS 33.402 A.2) and K_encr, K_aut, K_re, MSK, EMSK (RFC 9048)",
    )
    .option('--ck <hex>', 'CK, 16 bytes')
    .option('--ik <hex>', 'IK, 16 bytes')
    .option('--autn <hex>', 'AUTN, 16 bytes (its first 6 bytes are SQN XOR AK)')
    .option('--network-name <text>', 'the access network name of AT_KDF_INPUT')
    .option('--identity <text>', 'the EAP identity the peer used')
    .action((o: Options) => {
      const { sqnXorAk } = splitAutn(hexOption('--autn', o.autn, 16));
      const { ckPrime, ikPrime } = ckIkPrime(
        hexOption('--ck', o.ck, 16),
        hexOption('--ik', o.ik, 16),
        textOption('--network-name', o.networkName, 'the access network name, e.g. WLAN'),
        sqnXorAk,
      );
      const keys = eapAkaPrimeKeys(
        ckPrime,
        ikPrime,
        textOption('--identity', o.identity, 'the EAP identity'),
      );
      printJson({
        ck_prime: toHex(ckPrime),
        ik_prime: toHex(ikPrime),
        k_encr: toHex(keys.kEncr),
        k_aut: toHex(keys.kAut),
        k_re: toHex(keys.kRe),
        msk: toHex(keys.msk),
        emsk: toHex(keys.emsk),
      });
    });
}
