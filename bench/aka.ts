// bench/aka: 5G HE authentication vectors per second on one core (Milenage + KDFs, TS 33.501
// 6.1.3.2 step 2), with the raw AES-128 and HMAC-SHA-256 rates measured in the same run.
// Prints one JSON object. Run: `npm run bench` (or `node dist/bench/aka.js --seconds 5`).
import { createCipheriv, createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { uintToBytes } from '../src/lib/bytes.js';
import { generateHeAv } from '../src/lib/aka/five-g-aka.js';
import { HmacSha256Key } from '../src/lib/aka/sha256.js';
import { servingNetworkName } from '../src/lib/aka/serving-network-name.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;

/** Runs `op` in batches until `budgetMs` has passed; returns operations per second. */
function rate(op: () => void, budgetMs: number, batch = 1000): number {
  for (let i = 0; i < batch * 5; i++) op(); // warm-up: let V8 optimise
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(budgetMs * 1e6));
  let count = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) op();
    count += batch;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

// A population of subscribers, as a UDM holds them: K, OPc and the next SQN of each.
const SUBSCRIBERS = 10_000;
const subs = Array.from({ length: SUBSCRIBERS }, () => ({
  k: new Uint8Array(randomBytes(16)),
  opc: new Uint8Array(randomBytes(16)),
  seq: 1 + Math.floor(Math.random() * 1000),
}));
const amf = Uint8Array.of(0x80, 0x00);
const snn = servingNetworkName({ mcc: '001', mnc: '01', nid: '000007ED9D5' });

// RAND must come from a CSPRNG; drawing 16 bytes per call would cost a native call per vector,
// so RANDs are cut from a pool refilled 4096 at a time (what the UDM does too).
const pool = new Uint8Array(16 * 4096);
let poolOffset = pool.length;
function nextRand(): Uint8Array {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const rand = pool.slice(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return rand;
}

let n = 0;
function oneVector(): void {
  const sub = subs[n++ % SUBSCRIBERS]!;
  sub.seq += 1;
  // SQN = SEQ || IND with a 5-bit IND (TS 33.102 Annex C), IND cycling.
  const sqn = uintToBytes(sub.seq * 32 + (sub.seq % 32), 6);
  generateHeAv({ k: sub.k, opc: sub.opc, rand: nextRand(), sqn, amf, snn });
}

const budget = (seconds * 1000) / 4;
const heAvPerS = rate(oneVector, budget * 2);

// Raw rates for scale, each on this core in this run.
const key = randomBytes(16);
const block = randomBytes(16);
const bulk = randomBytes(64 * 1024);
const bulkCipher = createCipheriv('aes-128-ecb', key, null);
const aesBulkBlocksPerS = rate(() => bulkCipher.update(bulk), budget / 4, 10) * (bulk.length / 16);
const aesKeyedBlockPerS = rate(
  () => createCipheriv('aes-128-ecb', key, null).update(block),
  budget / 4,
);
const macKey = randomBytes(32);
const msg = randomBytes(64);
const nodeHmacPerS = rate(() => createHmac('sha256', macKey).update(msg).digest(), budget / 4);
const jsHmacKey = new HmacSha256Key(macKey);
const msgU8 = new Uint8Array(msg);
const jsHmacPerS = rate(() => jsHmacKey.mac(msgU8), budget / 4);

const round = (x: number) => Math.round(x);
process.stdout.write(
  JSON.stringify({
    bench: 'aka',
    node: process.version,
    seconds,
    subscribers: SUBSCRIBERS,
    he_av_5g_per_s: round(heAvPerS),
    goal_he_av_5g_per_s: 100_000,
    aes128_block_per_s_bulk: round(aesBulkBlocksPerS),
    aes128_new_key_one_block_per_s: round(aesKeyedBlockPerS),
    hmac_sha256_64B_per_s_node: round(nodeHmacPerS),
    hmac_sha256_64B_per_s_js_prekeyed: round(jsHmacPerS),
  }) + '\n',
);
