// An independent, deliberately plain Milenage (TS 35.206 clause 4.1) for tests that need values
// no published vector gives (MAC-S with the all-zero resynchronisation AMF). It shares no code
// with src/: one AES call per block, rotations written out as the spec writes them.
import { createCipheriv } from 'node:crypto';

function aes(k: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', k, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function xorBuf(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

function rot(x: Buffer, bits: number): Buffer {
  const bytes = bits / 8;
  return Buffer.concat([x.subarray(bytes), x.subarray(0, bytes)]);
}

/** Returns hex of f1 and f1* (OUT1) and f5* (OUT5) for hex inputs. */
export function referenceMilenage(
  kHex: string,
  opcHex: string,
  randHex: string,
  sqnHex: string,
  amfHex: string,
): { f1: string; f1star: string; f5: string; f5star: string } {
  const k = Buffer.from(kHex, 'hex');
  const opc = Buffer.from(opcHex, 'hex');
  const temp = aes(k, xorBuf(Buffer.from(randHex, 'hex'), opc));
  const in1 = Buffer.from(sqnHex + amfHex + sqnHex + amfHex, 'hex');
  const out1 = xorBuf(aes(k, xorBuf(temp, rot(xorBuf(in1, opc), 64))), opc);
  const c2 = Buffer.alloc(16);
  c2[15] = 1;
  const out2 = xorBuf(aes(k, xorBuf(rot(xorBuf(temp, opc), 0), c2)), opc);
  const c5 = Buffer.alloc(16);
  c5[15] = 8;
  const out5 = xorBuf(aes(k, xorBuf(rot(xorBuf(temp, opc), 96), c5)), opc);
  return {
    f1: out1.subarray(0, 8).toString('hex'),
    f1star: out1.subarray(8, 16).toString('hex'),
    f5: out2.subarray(0, 6).toString('hex'),
    f5star: out5.subarray(0, 6).toString('hex'),
  };
}
