// EAP-AKA' messages against packets assembled here octet by octet from the field layout of
// RFC 4187 8.1 and 10, RFC 9048 3.1-3.2, with AT_MAC computed here with node:crypto over the
// packet with the MAC zeroed (RFC 9048 3.4.5), keyed with K_aut of RFC 5448 Appendix C case 1.
import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { fromHex } from '../../../src/lib/bytes.js';
import {
  AKA_SUBTYPE,
  NOTIFICATION,
  akaAuthenticationReject,
  akaClientError,
  akaIdentityRequest,
  akaIdentityResponse,
  akaNotificationRequest,
  akaNotificationResponse,
  akaPrimeChallengeRequest,
  akaPrimeChallengeResponse,
  akaSynchronizationFailure,
  decodeEapAka,
  encodeEapAka,
  notificationHasMac,
  notificationIsSuccess,
  verifyAkaMac,
} from '../../../src/lib/eap/index.js';
import { hex, loadVectors, mulberry32, type EapAkaPrimeVector } from '../../helpers.js';

const c1 = loadVectors<{ cases: (EapAkaPrimeVector & { case: number })[] }>(
  'rfc5448-eap-aka-prime.json',
).cases.find((c) => c.case === 1)!;
const kAut = fromHex(c1.K_aut);

const ascii = (text: string) => Buffer.from(text, 'ascii').toString('hex');

/** Fills the 16 MAC octets at `macAt` (hex string offsets are octets × 2) independently. */
function withMac(packetHex: string, macAt: number, key = kAut): string {
  const packet = Buffer.from(packetHex, 'hex');
  const mac = createHmac('sha256', key).update(packet).digest().subarray(0, 16);
  mac.copy(packet, macAt);
  return packet.toString('hex');
}

const ZERO_MAC = '00'.repeat(16);

describe("AKA'-Challenge, as the server sends it", () => {
  // 01 Request | id 2a | length 0x0050 | type 0x32 (50) | subtype 01 | reserved 0000
  // AT_RAND   01 05 0000 RAND
  // AT_AUTN   02 05 0000 AUTN
  // AT_KDF    18 01 0001
  // AT_KDF_INPUT 17 02 0004 "WLAN"
  // AT_MAC    0b 05 0000 MAC (at octet 64)
  const expected = withMac(
    '012a0050' +
      '32010000' +
      '01050000' +
      c1.RAND +
      '02050000' +
      c1.AUTN +
      '18010001' +
      '17020004' +
      ascii('WLAN') +
      '0b050000' +
      ZERO_MAC,
    64,
  );

  test('the builder produces the RFC layout, octet for octet', () => {
    const built = akaPrimeChallengeRequest({
      identifier: 0x2a,
      rand: fromHex(c1.RAND),
      autn: fromHex(c1.AUTN),
      networkName: 'WLAN',
      kAut,
    });
    expect(hex(built)).toBe(expected);
  });

  test('the decoder reads every field and the MAC verifies', () => {
    const d = decodeEapAka(fromHex(expected));
    if (!d.ok) throw new Error(d.detail);
    const m = d.value;
    expect([m.code, m.identifier, m.method, m.subtype]).toEqual([1, 0x2a, 50, 1]);
    expect(hex(m.attributes.rand!)).toBe(c1.RAND);
    expect(hex(m.attributes.autn!)).toBe(c1.AUTN);
    expect(m.attributes.kdf).toEqual([1]);
    expect(m.attributes.kdfInput).toBe('WLAN');
    expect(m.attributes.macOffset).toBe(64);
    expect(verifyAkaMac(m, kAut)).toBe(true);
  });

  test('a network name is padded to a multiple of 4 octets with its Actual Length kept', () => {
    // AT_KDF_INPUT 17 03 0005 "ABCDE" 000000 (4 + 5 = 9 octets, padded to 12)
    const built = akaPrimeChallengeRequest({
      identifier: 1,
      rand: fromHex(c1.RAND),
      autn: fromHex(c1.AUTN),
      networkName: 'ABCDE',
      kAut,
    });
    expect(hex(built.subarray(52, 64))).toBe('17030005' + ascii('ABCDE') + '000000');
    const d = decodeEapAka(built);
    expect(d.ok && d.value.attributes.kdfInput).toBe('ABCDE');
  });

  test('an SNPN serving network name round-trips', () => {
    const snn = '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5';
    const built = akaPrimeChallengeRequest({
      identifier: 1,
      rand: fromHex(c1.RAND),
      autn: fromHex(c1.AUTN),
      networkName: snn,
      kAut,
    });
    const d = decodeEapAka(built);
    if (!d.ok) throw new Error(d.detail);
    expect(d.value.attributes.kdfInput).toBe(snn);
    expect(verifyAkaMac(d.value, kAut)).toBe(true);
  });

  test('any changed octet, or another key, fails the MAC', () => {
    const bytes = fromHex(expected);
    for (let i = 0; i < bytes.length; i++) {
      const changed = bytes.slice();
      changed[i]! ^= 0x01;
      const d = decodeEapAka(changed);
      if (d.ok) expect(verifyAkaMac(d.value, kAut), `octet ${i}`).toBe(false);
    }
    const d = decodeEapAka(bytes);
    expect(d.ok && verifyAkaMac(d.value, fromHex(c1.K_re))).toBe(false);
  });
});

describe("the peer's responses", () => {
  test("AKA'-Challenge response: AT_RES with its length in bits, then AT_MAC", () => {
    // 02 | id 2a | length 0x0028 | 32 01 0000 | AT_RES 03 03 0040 RES(8) | AT_MAC 0b 05 0000 MAC
    const expected = withMac(
      '022a0028' + '32010000' + '03030040' + c1.RES + '0b050000' + ZERO_MAC,
      24,
    );
    const built = akaPrimeChallengeResponse({ identifier: 0x2a, res: fromHex(c1.RES), kAut });
    expect(hex(built)).toBe(expected);
    const d = decodeEapAka(built);
    if (!d.ok) throw new Error(d.detail);
    expect(d.value.attributes.resBits).toBe(64);
    expect(hex(d.value.attributes.res!)).toBe(c1.RES);
    expect(verifyAkaMac(d.value, kAut)).toBe(true);
  });

  test.each([
    // 32 bits: no padding; 40 bits: 5 octets padded with 3; 128 bits: no padding
    [32, '03020020' + 'a1a2a3a4'],
    [40, '03030028' + 'a1a2a3a4a5' + '000000'],
    [128, '03050080' + 'a1'.repeat(16)],
  ])('AT_RES of %i bits', (bits, attribute) => {
    const res = fromHex(attribute.slice(8, 8 + (bits / 8) * 2));
    const length = (8 + attribute.length / 2).toString(16).padStart(4, '0');
    const withLength = '0201' + length + '32010000' + attribute;
    const d = decodeEapAka(fromHex(withLength));
    if (!d.ok) throw new Error(d.detail);
    expect(d.value.attributes.resBits).toBe(bits);
    expect(hex(d.value.attributes.res!)).toBe(hex(res));
    const built = encodeEapAka({
      code: 2,
      identifier: 1,
      subtype: 1,
      attributes: [{ type: 'AT_RES', res }],
    });
    expect(hex(built)).toBe(withLength);
  });

  test('Synchronization-Failure: AT_AUTS (14 octets, no Reserved field) and the offered KDFs', () => {
    const auts = 'b1'.repeat(14);
    // 02 | id 05 | length 0x001c | 32 04 0000 | AT_AUTS 04 04 AUTS | AT_KDF 18 01 0001
    expect(hex(akaSynchronizationFailure({ identifier: 5, auts: fromHex(auts), kdfs: [1] }))).toBe(
      '0205001c' + '32040000' + '0404' + auts + '18010001',
    );
    const d = decodeEapAka(fromHex('0205001c' + '32040000' + '0404' + auts + '18010001'));
    expect(d.ok && d.value.subtype).toBe(AKA_SUBTYPE.SYNCHRONIZATION_FAILURE);
    expect(d.ok && hex(d.value.attributes.auts!)).toBe(auts);
  });

  test('Authentication-Reject has no attributes; Client-Error carries its code', () => {
    expect(hex(akaAuthenticationReject(6))).toBe('02060008' + '32020000');
    expect(hex(akaClientError(6))).toBe('0206000c' + '320e0000' + '16010000');
    const d = decodeEapAka(fromHex('0206000c' + '320e0000' + '16010000'));
    expect(d.ok && d.value.attributes.clientErrorCode).toBe(0);
  });

  test('Identity request and response', () => {
    expect(hex(akaIdentityRequest(2, 'permanent'))).toBe('0102000c' + '32050000' + '0a010000');
    expect(hex(akaIdentityRequest(2, 'any'))).toBe('0102000c' + '32050000' + '0d010000');
    // AT_IDENTITY 0e 05 0010 "0555444333222111" (4 + 16 = 20 octets)
    const expected = '0202001c' + '32050000' + '0e050010' + ascii('0555444333222111');
    expect(hex(akaIdentityResponse(2, '0555444333222111'))).toBe(expected);
    const d = decodeEapAka(fromHex(expected));
    expect(d.ok && d.value.attributes.identity).toBe('0555444333222111');
    const r = decodeEapAka(fromHex('0102000c' + '32050000' + '0d010000'));
    expect(r.ok && r.value.attributes.idReq).toBe('any');
  });
});

describe('notifications', () => {
  test('General Failure (16384, P bit 1) goes without AT_MAC, both ways', () => {
    expect(notificationHasMac(NOTIFICATION.GENERAL_FAILURE)).toBe(false);
    expect(
      hex(akaNotificationRequest({ identifier: 9, notification: NOTIFICATION.GENERAL_FAILURE })),
    ).toBe('0109000c' + '320c0000' + '0c014000');
    expect(
      hex(akaNotificationResponse({ identifier: 9, notification: NOTIFICATION.GENERAL_FAILURE })),
    ).toBe('02090008' + '320c0000');
  });

  test('Success (32768, P bit 0) is protected with AT_MAC', () => {
    expect(notificationIsSuccess(NOTIFICATION.SUCCESS)).toBe(true);
    expect(notificationHasMac(NOTIFICATION.SUCCESS)).toBe(true);
    const expected = withMac('01090020' + '320c0000' + '0c018000' + '0b050000' + ZERO_MAC, 16);
    expect(
      hex(akaNotificationRequest({ identifier: 9, notification: NOTIFICATION.SUCCESS, kAut })),
    ).toBe(expected);
    expect(() =>
      akaNotificationRequest({ identifier: 9, notification: NOTIFICATION.SUCCESS }),
    ).toThrow(TypeError);
  });
});

describe('attribute rules (RFC 4187 8.1)', () => {
  /** A Response/AKA'-Challenge (subtype 1) around the attributes given in hex. */
  const message = (attributes: string, type = '32') => {
    const length = (8 + attributes.length / 2).toString(16).padStart(4, '0');
    return fromHex('0201' + length + type + '010000' + attributes);
  };
  const cause = (bytes: Uint8Array, method?: 23 | 50) => {
    const d = decodeEapAka(bytes, method);
    return d.ok ? 'ok' : d.cause;
  };

  test('an unknown skippable attribute (128-255) is skipped and listed', () => {
    const d = decodeEapAka(message('c8010000' + '88018000'));
    expect(d.ok && d.value.attributes.skipped).toEqual([200]);
    expect(d.ok && d.value.attributes.bidding).toBe(0x8000);
  });

  test.each([
    ['an unknown non-skippable attribute', '63010000', 'UNKNOWN_ATTRIBUTE'],
    ['an EAP-SIM attribute (AT_NONCE_MT)', '07050000' + '00'.repeat(16), 'UNKNOWN_ATTRIBUTE'],
    ['AT_RAND twice', ('01050000' + '00'.repeat(16)).repeat(2), 'DUPLICATE_ATTRIBUTE'],
    ['AT_RAND too short', '01040000' + '00'.repeat(12), 'BAD_ATTRIBUTE'],
    ['AT_AUTS too long', '0405' + '00'.repeat(18), 'BAD_ATTRIBUTE'],
    ['AT_MAC too short', '0b040000' + '00'.repeat(12), 'BAD_ATTRIBUTE'],
    ['an attribute of Length 0', '01000000', 'BAD_ATTRIBUTE'],
    ['an attribute past the end', '01050000' + '00'.repeat(8), 'BAD_ATTRIBUTE'],
    ['a header cut short', '01', 'BAD_ATTRIBUTE'],
    ['AT_RES of 16 bits', '03020010aaaa0000', 'BAD_ATTRIBUTE'],
    ['AT_RES of 136 bits', '03060088' + 'aa'.repeat(17) + '000000', 'BAD_ATTRIBUTE'],
    ['AT_RES longer than its bits', '03030020' + 'aa'.repeat(8), 'BAD_ATTRIBUTE'],
    ['AT_KDF_INPUT longer than its Actual Length', '17030004' + 'aa'.repeat(8), 'BAD_ATTRIBUTE'],
    ['AT_KDF_INPUT shorter than its Actual Length', '17020008' + 'aa'.repeat(4), 'BAD_ATTRIBUTE'],
    ['AT_KDF_INPUT not UTF-8', '17020004' + 'ff'.repeat(4), 'BAD_ATTRIBUTE'],
    ['AT_PADDING in the clear', '06010000', 'BAD_ATTRIBUTE'],
    ['AT_NOTIFICATION of 6 octets', '0c02000000000000', 'BAD_ATTRIBUTE'],
    ['two identity requests', '0a010000' + '0d010000', 'BAD_ATTRIBUTE'],
    ['AT_CHECKCODE of 8 octets', '86030000' + '00'.repeat(8), 'BAD_ATTRIBUTE'],
  ])('%s: %s', (_what, attributes, expected) => {
    expect(cause(message(attributes))).toBe(expected);
  });

  test('AT_KDF may repeat: the list keeps the order', () => {
    const d = decodeEapAka(message('18010002' + '18010001'));
    expect(d.ok && d.value.attributes.kdf).toEqual([2, 1]);
  });

  test('AT_KDF and AT_KDF_INPUT do not exist in EAP-AKA (type 23)', () => {
    expect(cause(message('18010001', '17'), 23)).toBe('BAD_ATTRIBUTE');
    expect(cause(message('', '17'), 23)).toBe('ok');
  });

  test('another type, Success or a short header is refused', () => {
    expect(cause(message('', '17'))).toBe('UNEXPECTED_TYPE');
    expect(cause(fromHex('03010004'))).toBe('UNEXPECTED_TYPE');
    expect(cause(fromHex('020100073201' + '00'))).toBe('BAD_AKA_HEADER');
  });

  test('a message without AT_MAC never verifies', () => {
    const d = decodeEapAka(akaAuthenticationReject(1));
    expect(d.ok && verifyAkaMac(d.value, kAut)).toBe(false);
  });

  test('random and mutated messages never make the decoder throw', () => {
    const random = mulberry32(0x4187);
    const seed = akaPrimeChallengeRequest({
      identifier: 1,
      rand: fromHex(c1.RAND),
      autn: fromHex(c1.AUTN),
      networkName: 'WLAN',
      kAut,
    });
    for (let i = 0; i < 5000; i++) {
      const bytes = seed.slice(0, 8 + Math.floor(random() * (seed.length - 7)));
      for (let k = 0; k < 3; k++) {
        bytes[8 + Math.floor(random() * (bytes.length - 8))] = Math.floor(random() * 256);
      }
      bytes[2] = bytes.length >>> 8;
      bytes[3] = bytes.length & 0xff;
      expect(() => {
        const d = decodeEapAka(bytes);
        if (d.ok) verifyAkaMac(d.value, kAut);
      }).not.toThrow();
    }
  });
});

describe('encoding refuses what no attribute can carry', () => {
  test.each([
    [{ type: 'AT_RAND', rand: new Uint8Array(15) }],
    [{ type: 'AT_RES', res: new Uint8Array(3) }],
    [{ type: 'AT_RES', res: new Uint8Array(17) }],
    [{ type: 'AT_AUTS', auts: new Uint8Array(16) }],
    [{ type: 'AT_KDF', kdf: 70000 }],
    [{ type: 'raw', attributeType: 200, value: new Uint8Array(3) }],
  ] as const)('%o', (attribute) => {
    expect(() =>
      encodeEapAka({ code: 2, identifier: 1, subtype: 1, attributes: [attribute] }),
    ).toThrow(RangeError);
  });

  test('AT_MAC needs K_aut of the right length', () => {
    const input = { code: 2, identifier: 1, subtype: 1, attributes: [{ type: 'AT_MAC' }] } as const;
    expect(() => encodeEapAka(input)).toThrow(TypeError);
    expect(() => encodeEapAka(input, new Uint8Array(16))).toThrow(RangeError);
  });

  test('EAP-AKA (type 23) uses HMAC-SHA1-128 with a 16-octet K_aut', () => {
    const key = fromHex('00112233445566778899aabbccddeeff');
    const built = encodeEapAka(
      { code: 2, identifier: 1, method: 23, subtype: 12, attributes: [{ type: 'AT_MAC' }] },
      key,
    );
    const zeroed = Buffer.from(built);
    zeroed.fill(0, 12, 28);
    const mac = createHmac('sha1', key).update(zeroed).digest().subarray(0, 16);
    expect(hex(built.subarray(12))).toBe(mac.toString('hex'));
    const d = decodeEapAka(built, 23);
    expect(d.ok && verifyAkaMac(d.value, key)).toBe(true);
  });
});
