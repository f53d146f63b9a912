// Is (x, y) a point of NIST P-256 (SEC 1 3.2.2.1 for a prime curve of cofactor 1: coordinates in
// [0, p) and y^2 = x^3 - 3x + b mod p)? This is the whole public-key check a cofactor-1 curve
// needs, done in BigInt arithmetic because node's JWK import also multiplies by the group order
// (about 70 µs, more than the ES256 verification itself) and the cnf key of every Evidence is new.

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(
    `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`,
  );
}

/** x and y are the 32-byte big-endian affine coordinates. */
export function isP256Point(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== 32 || y.length !== 32) return false;
  const X = toBigInt(x);
  const Y = toBigInt(y);
  if (X >= P || Y >= P) return false;
  return (Y * Y - (X * X * X - 3n * X + B)) % P === 0n;
}
