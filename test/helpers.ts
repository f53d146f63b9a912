// Shared test helpers: vectors are read from test/vectors (copied from ../shared, so the
// project stands alone) and values are compared as lower-case hex for readable diffs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toHex } from '../src/lib/bytes.js';

export function loadVectors<T>(name: string): T {
  const path = fileURLToPath(new URL(`./vectors/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

export interface MilenageVector {
  set: number;
  K: string;
  RAND: string;
  SQN: string;
  AMF: string;
  OP: string;
  OPc: string;
  f1: string;
  f1star: string;
  f2_RES: string;
  f3_CK: string;
  f4_IK: string;
  f5_AK: string;
  f5star: string;
}

export interface EapAkaPrimeVector {
  identity: string;
  networkName: string;
  RAND: string;
  AUTN: string;
  IK: string;
  CK: string;
  RES: string;
  CKprime: string;
  IKprime: string;
  K_encr: string;
  K_aut: string;
  K_re: string;
  MSK: string;
  EMSK: string;
}

export interface SharedVectors {
  milenage: MilenageVector[];
  eap_aka_prime: { rfc5448_case1: EapAkaPrimeVector };
  '5g_aka': {
    inputs: string;
    plmn: {
      snn: string;
      AUTN: string;
      XRESstar: string;
      HXRESstar: string;
      KAUSF: string;
      KSEAF: string;
      KAMF: string;
    };
  };
}
