// The EAP packet codec (RFC 3748 4): packets written out octet by octet from the RFC's layout,
// every length defect refused with its cause, link-layer padding ignored, and no input, however
// broken, makes the decoder throw.
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import {
  EAP_CODE,
  decodeEapPacket,
  eapFailure,
  eapIdentityResponse,
  eapNak,
  eapSuccess,
  encodeEapPacket,
  fromEapPayload,
  toEapPayload,
} from '../../../src/lib/eap/index.js';
import { hex, mulberry32 } from '../../helpers.js';

describe('EAP packets', () => {
  test('Success and Failure are Code, Identifier and Length 4', () => {
    expect(hex(eapSuccess(7))).toBe('03070004');
    expect(hex(eapFailure(255))).toBe('04ff0004');
    const d = decodeEapPacket(fromHex('03070004'));
    expect(d).toEqual({
      ok: true,
      value: { code: EAP_CODE.SUCCESS, identifier: 7, raw: fromHex('03070004') },
    });
  });

  test('a Response/Identity carries Type 1 and the identity octets', () => {
    // 02 | id 09 | length 0x000d (4 + 1 + 8) | type 01 | "user@a.b"
    const bytes = eapIdentityResponse(9, 'user@a.b');
    expect(hex(bytes)).toBe('0209000d01' + Buffer.from('user@a.b').toString('hex'));
    const d = decodeEapPacket(bytes);
    if (!d.ok || d.value.code !== EAP_CODE.RESPONSE) throw new Error('expected a Response');
    expect(d.value.type).toBe(1);
    expect(Buffer.from(d.value.typeData).toString()).toBe('user@a.b');
  });

  test('a Nak lists the desired types, or the octet 0 for none', () => {
    expect(hex(eapNak(3, [50, 23]))).toBe('020300070332' + '17');
    expect(hex(eapNak(3, []))).toBe('02030006' + '0300');
  });

  test('octets beyond Length are link-layer padding and ignored (RFC 3748 4.1)', () => {
    const d = decodeEapPacket(fromHex('0307000400000000'));
    expect(d.ok && hex(d.value.raw)).toBe('03070004');
  });

  test.each([
    ['', 'TRUNCATED'],
    ['030700', 'TRUNCATED'],
    ['03070008', 'TRUNCATED'],
    ['03070003', 'BAD_LENGTH'],
    ['0307000500', 'BAD_LENGTH'],
    ['04070005ff', 'BAD_LENGTH'],
    ['01070004', 'BAD_LENGTH'],
    ['05070004', 'UNKNOWN_CODE'],
    ['00070004', 'UNKNOWN_CODE'],
  ])('%s is refused with %s', (h, cause) => {
    const d = decodeEapPacket(fromHex(h));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.cause).toBe(cause);
  });

  test('non-bytes are refused, not thrown on', () => {
    expect(decodeEapPacket('0307' as unknown as Uint8Array).ok).toBe(false);
  });

  test('encoding refuses what no packet can carry', () => {
    expect(() => eapSuccess(256)).toThrow(RangeError);
    expect(() =>
      encodeEapPacket({ code: 1, identifier: 1, type: 0, typeData: new Uint8Array() }),
    ).toThrow(RangeError);
    expect(() =>
      encodeEapPacket({ code: 1, identifier: 1, type: 50, typeData: new Uint8Array(65531) }),
    ).toThrow(RangeError);
  });

  test('random octets never make the decoder throw', () => {
    const random = mulberry32(0x3748);
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 24) }, () =>
        Math.floor(random() * 256),
      );
      if (bytes.length >= 4 && random() < 0.5) {
        bytes[0] = 1 + Math.floor(random() * 4);
        bytes[2] = 0;
        bytes[3] = Math.floor(random() * 28);
      }
      expect(() => decodeEapPacket(bytes)).not.toThrow();
    }
  });
});

describe('EapPayload (TS 29.509: base64)', () => {
  test('round trip with padding', () => {
    const packet = fromHex('0209000d01757365724061' + '2e62');
    const text = toEapPayload(packet);
    expect(text).toBe(Buffer.from(packet).toString('base64'));
    expect(hex(fromEapPayload(text)!)).toBe(hex(packet));
  });

  test.each([
    ['unpadded', 'AwcABA'],
    ['spare bits set', 'AwcABB=='],
    ['a space inside', 'AwcA BA=='],
    ['too much padding', 'AwcABA==='],
    ['not a string', 42],
  ])('%s is undefined', (_what, text) => {
    expect(fromEapPayload(text)).toBeUndefined();
  });

  test('base64url is not EapPayload', () => {
    expect(fromEapPayload('-_-_')).toBeUndefined();
  });
});
