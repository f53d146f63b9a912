// The home network key pairs of the SUCI (TS 33.501 6.12.2, Annex C.3): one for ECIES Profile A
// (X25519, raw 32-byte public key) and one for Profile B (P-256, compressed 33-byte public key),
// each under an integer key id. The UDM makes them on its first start, keeps the private keys
// sealed under its KEK, and publishes the public parts (the PS hands them to devices in the
// credential bundle). Keys of earlier ids stay in the store, so the SIDF can still de-conceal
// SUCIs computed with them; only the configured ids are listed.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { toHex } from '../../lib/bytes.js';
import { eciesProfile } from '../../lib/aka/suci-ecies.js';
import { seal, unseal } from '../../lib/seal.js';
import type { UdmStore } from './store.js';

export type HnScheme = 'A' | 'B';

export interface HomeNetworkPublicKey {
  scheme: HnScheme;
  /** the home network public key identifier, 0..255 */
  hnKeyId: number;
  /** lower-case hex: raw 32 bytes (A), compressed P-256 point of 33 bytes (B) */
  hnPublicKey: string;
}

/** The key id per scheme this UDM publishes (defaults: A 1, B 2). */
export type HomeNetworkKeyIds = Record<HnScheme, number>;

export const DEFAULT_HN_KEY_IDS: HomeNetworkKeyIds = { A: 1, B: 2 };
const SCHEMES: HnScheme[] = ['A', 'B'];

export const hnKeyAad = (scheme: HnScheme, hnKeyId: number) =>
  `home_network_key:${scheme}:${hnKeyId}`;

/** Checks the configured key ids: integers 0..255. */
export function checkHnKeyIds(ids: HomeNetworkKeyIds): void {
  for (const scheme of SCHEMES) {
    const id = ids[scheme];
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new RangeError(`the Profile ${scheme} home network key id must be 0..255`);
    }
  }
}

/**
 * A fresh 32-byte private key. Any 32 bytes are an X25519 key (RFC 7748 clamps them); for P-256
 * a draw outside 1..n-1 is refused by the profile's publicKey and drawn again.
 */
function generatePrivateKey(scheme: HnScheme): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const profile = eciesProfile(scheme);
  for (;;) {
    const privateKey = Uint8Array.from(randomBytes(32));
    try {
      return { privateKey, publicKey: profile.publicKey(privateKey) };
    } catch {
      // out of range for P-256 (probability about 2^-32): draw again
    }
  }
}

export class HomeNetworkKeyService {
  constructor(
    private readonly store: UdmStore,
    private readonly kek: Uint8Array,
    private readonly keyIds: HomeNetworkKeyIds,
    private readonly log: FastifyBaseLogger,
  ) {
    checkHnKeyIds(keyIds);
  }

  /** unsealed private keys by "scheme/id": a key pair never changes once made */
  readonly #privateKeys = new Map<string, Uint8Array>();

  /**
   * Makes the configured key pairs that do not exist yet. Safe against a twin process starting
   * at the same time: the first insert wins and the other's pair is dropped.
   */
  async ensureKeys(): Promise<void> {
    for (const scheme of SCHEMES) {
      const hnKeyId = this.keyIds[scheme];
      const existing = await this.#row(scheme, hnKeyId);
      if (existing) continue;
      const { privateKey, publicKey } = generatePrivateKey(scheme);
      const result = await this.store.db
        .insertInto('home_network_keys')
        .values({
          scheme,
          hn_key_id: hnKeyId,
          public_key: toHex(publicKey),
          private_key_sealed: seal(this.kek, privateKey, hnKeyAad(scheme, hnKeyId)),
          created_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.columns(['scheme', 'hn_key_id']).doNothing())
        .executeTakeFirst();
      privateKey.fill(0);
      if ((result.numInsertedOrUpdatedRows ?? 0n) > 0n) {
        this.log.info(
          { scheme, hnKeyId, hnPublicKey: toHex(publicKey) },
          'home network key pair generated',
        );
      }
    }
  }

  /** The public parts of the configured key pairs, Profile A first. */
  async list(): Promise<{ keys: HomeNetworkPublicKey[] }> {
    const keys: HomeNetworkPublicKey[] = [];
    for (const scheme of SCHEMES) {
      const row = await this.#row(scheme, this.keyIds[scheme]);
      if (row) keys.push({ scheme, hnKeyId: row.hn_key_id, hnPublicKey: row.public_key });
    }
    return { keys };
  }

  /**
   * The private key of a scheme and key id (any stored one, not only the configured), for the
   * SIDF; undefined when the UDM has no such key. The caller must not log or keep it.
   */
  async homeNetworkPrivateKey(scheme: HnScheme, hnKeyId: number): Promise<Uint8Array | undefined> {
    if (scheme !== 'A' && scheme !== 'B') return undefined;
    if (!Number.isInteger(hnKeyId) || hnKeyId < 0 || hnKeyId > 255) return undefined;
    const id = `${scheme}/${hnKeyId}`;
    const cached = this.#privateKeys.get(id);
    if (cached !== undefined) return cached;
    const row = await this.#row(scheme, hnKeyId);
    if (!row) return undefined;
    const key = unseal(this.kek, row.private_key_sealed, hnKeyAad(scheme, hnKeyId));
    // The same array each time: the SIDF's ECIES keeps the key it imported from it.
    this.#privateKeys.set(id, key);
    return key;
  }

  #row(scheme: HnScheme, hnKeyId: number) {
    return this.store.db
      .selectFrom('home_network_keys')
      .selectAll()
      .where('scheme', '=', scheme)
      .where('hn_key_id', '=', hnKeyId)
      .executeTakeFirst();
  }
}
