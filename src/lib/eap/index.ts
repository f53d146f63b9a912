// EAP and EAP-AKA' (RFC 3748, RFC 4187, RFC 9048), pure and without I/O: what the AUSF's EAP
// server and the UE's EAP peer share. Decoders never throw; they return
// { ok: true, value } or { ok: false, cause, detail } (EapCause). Encoders and builders throw
// RangeError/TypeError only on arguments no packet can carry (a caller's bug).
//
// API summary
//   Packets (packet.ts)
//     decodeEapPacket(bytes) -> EapResult<{code, identifier, type?, typeData?, raw}>
//     encodeEapPacket(packet), eapSuccess(id), eapFailure(id), eapIdentityResponse(id, identity),
//     eapNak(id, types), toEapPayload(bytes) / fromEapPayload(text): TS 29.509 EapPayload
//     (padded standard base64; fromEapPayload returns undefined unless canonical).
//     EAP_CODE {REQUEST 1, RESPONSE 2, SUCCESS 3, FAILURE 4}, EAP_TYPE {..., AKA 23, AKA_PRIME 50}
//   Messages (aka-message.ts)
//     decodeEapAka(bytes, method = 50) -> EapResult<EapAkaMessage {code, identifier, method,
//       subtype, attributes: AkaAttributes, raw}>; Success/Failure/other types: UNEXPECTED_TYPE.
//     encodeEapAka({code, identifier, method?, subtype, attributes: AkaAttribute[]}, kAut?):
//       AT_MAC (a placeholder in the list) is computed over the finished packet.
//     verifyAkaMac(message, kAut): HMAC-SHA-256-128 over the packet with the MAC zeroed
//       (HMAC-SHA1-128 for EAP-AKA, type 23); false when AT_MAC is absent.
//     Server: akaPrimeChallengeRequest({identifier, rand, autn, networkName, kAut, kdfs?}),
//       akaNotificationRequest({identifier, notification, kAut?}), akaIdentityRequest(id, kind).
//     Peer: akaPrimeChallengeResponse({identifier, res, kAut}),
//       akaSynchronizationFailure({identifier, auts, kdfs?}), akaAuthenticationReject(id),
//       akaClientError(id, code = 0), akaNotificationResponse({identifier, notification, kAut?}),
//       akaIdentityResponse(id, identity).
//     AKA_SUBTYPE, NOTIFICATION (GENERAL_FAILURE 16384, SUCCESS 32768, ...), CLIENT_ERROR,
//     KDF_AKA_PRIME = 1, notificationHasMac(code) (P bit 0), notificationIsSuccess(code).
//   Attributes (aka-attributes.ts)
//     AkaAttributes: rand, autn, res + resBits (AT_RES length is in bits), auts, mac + macOffset,
//       kdf[] (every AT_KDF, in order), kdfInput, notification, clientErrorCode, identity,
//       idReq, checkcode, resultInd, bidding (parsed, ignored by EAP-AKA'), skipped[] (unknown
//       skippable types 128-255). Unknown types 0-127 fail with UNKNOWN_ATTRIBUTE; a known
//       attribute twice (AT_KDF excepted) fails with DUPLICATE_ATTRIBUTE.
//     AT (type numbers), AkaAttribute (the encoder's union, with a 'raw' escape hatch).
//   Keys (aka-prime-keys.ts)
//     keyDerivationIdentity(supi): the Identity of MK in 5G (TS 33.501 F.3): IMSI digits or NAI.
//     serverKeys(ckPrime, ikPrime, supi), peerKeys({ck, ik, autn, networkName, supi})
//       -> {kEncr, kAut, kRe, msk, emsk}; kausfFromEmsk(emsk): KAUSF, EMSK's first 256 bits.
//
// A 5G peer (TS 33.501 6.1.3.1, RFC 9048 3.1-3.2) answers an EAP-Request/AKA'-Challenge so:
// decode; AT_KDF_INPUT must equal the serving network name it selected and AT_KDF must offer 1,
// else akaAuthenticationReject; check AUTN with the USIM (src/lib/aka/usim.ts): MAC failure ->
// akaAuthenticationReject, sync failure -> akaSynchronizationFailure({auts, kdfs: [1]}); else
// peerKeys(...), verifyAkaMac(request, kAut) (false -> akaClientError), then
// akaPrimeChallengeResponse({res, kAut}). EAP-Success ends it; KAUSF = kausfFromEmsk(emsk).
export * from './packet.js';
export * from './aka-attributes.js';
export * from './aka-message.js';
export * from './aka-prime-keys.js';
