// `tools eat decode FILE` and `tools eat verify FILE --key JWK-FILE [--nonce B64URL]`: what a
// device developer runs on the Evidence their firmware produced. The form is detected from the
// file: compact JWS text (EAT as JWT), else CBOR (EAT as CWT, or an Arm PSA token).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { JWK } from 'jose';
import { equalBytes, fromBase64url, toHex } from '../../lib/bytes.js';
import { CLAIM, type EatClaims } from '../../lib/rats/eat-claims.js';
import { parseEatCwt, verifyEatCwt } from '../../lib/rats/eat-cwt.js';
import { parseEatJwt, verifyEatJwt } from '../../lib/rats/eat-jwt.js';
import type { RatsError } from '../../lib/rats/errors.js';
import { parsePsaToken, verifyPsaToken } from '../../lib/rats/psa.js';
import { printJson, textOption } from '../args.js';
import { CliFailure, CliUsageError } from '../usage-error.js';

interface DecodedToken {
  form: 'cwt' | 'jwt' | 'psa';
  alg: string;
  claims: Record<string, unknown>;
  nonce: Uint8Array;
  verify(key: JWK): Promise<boolean>;
}

/** Bytes as lower-case hex, recursively, so the claims print as JSON. */
function jsonable(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(jsonable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  }
  return value;
}

/** EAT claims under their RFC 9711 (JWT) names. */
function eatClaimsJson(claims: EatClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(claims)) {
    const name = CLAIM[field as keyof typeof CLAIM]?.name ?? field;
    out[name] = jsonable(value);
  }
  return out;
}

const JWS_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function decodeTokenFile(path: string): DecodedToken {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new CliUsageError(
      `FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const text = Buffer.from(bytes).toString('latin1').trim();
  if (JWS_TEXT.test(text)) {
    const parsed = parseEatJwt(text);
    if (!parsed.ok) throw notAToken(path, 'an EAT in JWT form', parsed.error);
    const token = parsed.value;
    return {
      form: 'jwt',
      alg: token.alg,
      claims: eatClaimsJson(token.claims),
      nonce: token.claims.nonce,
      verify: (key) => verifyEatJwt(token, key),
    };
  }
  const cwt = parseEatCwt(bytes);
  if (cwt.ok) {
    const token = cwt.value;
    return {
      form: 'cwt',
      alg: token.alg,
      claims: eatClaimsJson(token.claims),
      nonce: token.claims.nonce,
      verify: async (key) => verifyEatCwt(token, key),
    };
  }
  const psa = parsePsaToken(bytes);
  if (psa.ok) {
    const token = psa.value;
    return {
      form: 'psa',
      alg: token.alg,
      claims: jsonable(token.claims) as Record<string, unknown>,
      nonce: token.claims.nonce,
      verify: async (key) => verifyPsaToken(token, key),
    };
  }
  throw notAToken(path, 'an EAT (CWT or JWT) or a PSA token', cwt.error);
}

function notAToken(path: string, what: string, error: RatsError): CliUsageError {
  return new CliUsageError(`FILE: ${path} is not ${what}: ${error.code}: ${error.message}`);
}

function readKey(path: string): JWK {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliUsageError(
      `--key: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    const jwk = JSON.parse(text) as JWK;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') throw new Error();
    return jwk;
  } catch {
    throw new CliUsageError('--key expects a file holding one JWK (JSON with "kty")');
  }
}

export function registerEat(tools: Command): void {
  const eat = tools
    .command('eat')
    .description(
      'decode or verify Evidence: EAT (CWT or JWT) of this project, or an Arm PSA token',
    );

  eat
    .command('decode')
    .description('print the claims of an Evidence token (no key needed; nothing is verified)')
    .argument('<file>', 'the token: CBOR bytes, or the JWS text')
    .action((file: string) => {
      const token = decodeTokenFile(file);
      printJson({ form: token.form, alg: token.alg, verified: false, claims: token.claims });
    });

  eat
    .command('verify')
    .description('verify an Evidence token with the device key; exit 0 only when it verifies')
    .argument('<file>', 'the token: CBOR bytes, or the JWS text')
    .option('--key <jwk-file>', 'the attestation key as a JWK (public key, or the HMAC secret)')
    .option('--nonce <b64url>', 'the nonce the token must carry (base64url)')
    .action(async (file: string, o: { key?: string; nonce?: string }) => {
      const key = readKey(textOption('--key', o.key, 'a JWK file'));
      const token = decodeTokenFile(file);
      const verified = await token.verify(key);
      let nonceMatches: boolean | undefined;
      if (o.nonce !== undefined) {
        const expected = fromBase64url(o.nonce);
        if (!expected || expected.length === 0) {
          throw new CliUsageError('--nonce expects base64url (the nonce the verifier issued)');
        }
        nonceMatches = equalBytes(expected, token.nonce);
      }
      printJson({
        form: token.form,
        alg: token.alg,
        verified,
        ...(nonceMatches === undefined ? {} : { nonce_matches: nonceMatches }),
        claims: token.claims,
      });
      if (!verified) throw new CliFailure('the signature or MAC does not verify with this --key');
      if (nonceMatches === false) throw new CliFailure('the token does not carry this --nonce');
    });
}
