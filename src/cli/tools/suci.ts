import type { Command } from 'commander';
import { AkaError } from '../../lib/aka/errors.js';
import { formatSupi, parseSupi } from '../../lib/aka/supi.js';
import { concealSupi, revealSuci, type ProtectionScheme } from '../../lib/aka/suci.js';
import { hexOption, hexOptionRange, intOption, printJson, textOption } from '../args.js';
import { CliFailure, CliUsageError } from '../usage-error.js';

interface ConcealOptions {
  supi?: string;
  mncLength?: string;
  scheme?: string;
  hnPublicKey?: string;
  hnKeyId?: string;
  routingIndicator?: string;
  ephemeralPrivateKey?: string;
}

interface RevealOptions {
  suci?: string;
  hnPrivateKey?: string;
}

const SCHEMES: Record<string, ProtectionScheme> = { null: 'null', a: 'A', b: 'B' };

/** Runs a library call; an AkaError about the user's input becomes a message naming `flag`. */
function asUsage<T>(flag: string, expects: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof AkaError)
      throw new CliUsageError(`${flag} expects ${expects}: ${err.message}`);
    throw err;
  }
}

export function registerSuci(tools: Command): void {
  const suci = tools
    .command('suci')
    .description('conceal a SUPI into a SUCI, or reveal it (TS 33.501 Annex C, TS 23.003)');

  suci
    .command('conceal')
    .description('SUPI -> SUCI with the null scheme, Profile A (X25519) or Profile B (P-256)')
    .option('--supi <supi>', 'imsi-DIGITS or nai-USER@REALM')
    .option('--mnc-length <n>', 'digits of the MNC in an IMSI: 2 or 3', '2')
    .option('--scheme <scheme>', 'null, A or B')
    .option('--hn-public-key <hex>', 'home network public key (A: 32 bytes; B: 33 or 65 bytes)')
    .option('--hn-key-id <n>', 'home network public key identifier, 0-255')
    .option('--routing-indicator <digits>', 'routing indicator, 1-4 digits', '0')
    .option(
      '--ephemeral-private-key <hex>',
      'fixed ephemeral private key, to reproduce test vectors',
    )
    .action((o: ConcealOptions) => {
      const mncLength = intOption('--mnc-length', o.mncLength, 2, 3) as 2 | 3;
      const supiText = textOption('--supi', o.supi, 'imsi-DIGITS or nai-USER@REALM');
      const supi = asUsage('--supi', 'imsi-DIGITS or nai-USER@REALM', () =>
        parseSupi(supiText, mncLength),
      );
      const schemeText = textOption('--scheme', o.scheme, 'null, A or B');
      const scheme = SCHEMES[schemeText.toLowerCase()];
      if (!scheme) throw new CliUsageError('--scheme expects null, A or B');
      const routingIndicator = textOption('--routing-indicator', o.routingIndicator, '1-4 digits');
      if (!/^\d{1,4}$/.test(routingIndicator)) {
        throw new CliUsageError('--routing-indicator expects 1 to 4 decimal digits');
      }
      if (scheme === 'null') {
        printJson({ suci: concealSupi(supi, { scheme, routingIndicator }) });
        return;
      }
      const hnPublicKey =
        scheme === 'A'
          ? hexOption('--hn-public-key', o.hnPublicKey, 32)
          : hexOptionRange('--hn-public-key', o.hnPublicKey, 33, 65);
      if (scheme === 'B' && hnPublicKey.length !== 33 && hnPublicKey.length !== 65) {
        throw new CliUsageError(
          '--hn-public-key expects a P-256 point: 33 bytes compressed or 65 bytes uncompressed',
        );
      }
      const hnKeyId = intOption('--hn-key-id', o.hnKeyId, 0, 255);
      const ephemeralPrivateKey =
        o.ephemeralPrivateKey === undefined
          ? undefined
          : hexOption('--ephemeral-private-key', o.ephemeralPrivateKey, 32);
      const text = asUsage('--hn-public-key', `a valid Profile ${scheme} public key`, () =>
        concealSupi(supi, {
          scheme,
          hnPublicKey,
          hnKeyId,
          routingIndicator,
          ...(ephemeralPrivateKey ? { ephemeralPrivateKey } : {}),
        }),
      );
      printJson({ suci: text });
    });

  suci
    .command('reveal')
    .description('SUCI -> SUPI with the home network private key (the SIDF)')
    .option('--suci <text>', 'suci-0-... (TS 29.503) or the NAI form of TS 23.003 28.7.3')
    .option('--hn-private-key <hex>', 'home network private key, 32 bytes (not needed for null)')
    .action((o: RevealOptions) => {
      const text = textOption('--suci', o.suci, 'a SUCI string');
      const key =
        o.hnPrivateKey === undefined
          ? undefined
          : hexOption('--hn-private-key', o.hnPrivateKey, 32);
      try {
        const supi = revealSuci(text, (scheme) => {
          if (scheme !== 'null' && key === undefined) {
            throw new CliUsageError(
              '--hn-private-key is required for Profile A and B: 64 hex digits',
            );
          }
          return key;
        });
        printJson({ supi: formatSupi(supi) });
      } catch (err) {
        if (!(err instanceof AkaError)) throw err;
        if (err.code === 'SUCI_MAC_FAILURE') {
          throw new CliFailure(
            'the SUCI does not verify with this --hn-private-key (MAC mismatch): wrong key, or a SUCI made for another home network key',
          );
        }
        if (err.code === 'INVALID_KEY') throw new CliUsageError(`--hn-private-key: ${err.message}`);
        throw new CliUsageError(`--suci expects a SUCI string: ${err.message}`);
      }
    });
}
