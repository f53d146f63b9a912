// The network's configuration file, DIR/npn-onboard.yaml: the SNPNs the Provisioning Server
// provisions into, its provisioning policy (which device gets which SNPN, credential type and
// holder), the credential defaults and the onboarding timings. Every validation message names
// the field (and its line) and says how to fix it. The operator variant key OP is a secret and
// never lives here: the CLI reads it from NPN_ONBOARD_OP or DIR/op.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { isNaiRealm } from '../../lib/aka/supi.js';
import type { SnpnId } from '../../lib/onboarding/credential-bundle.js';
import type { EarStatus } from '../../lib/rats/ear.js';

export const CONFIG_FILE_NAME = 'npn-onboard.yaml';

export interface SnpnConfig {
  name: string;
  /** 3 digits */
  mcc: string;
  /** 2 or 3 digits */
  mnc: string;
  /** 11 hex digits, upper case (TS 23.003 NID) */
  nid: string;
  /** SUCI routing indicator, 1-4 digits */
  routingIndicator: string;
  /** the MSINs this SNPN's IMSIs are allocated from, inclusive, as digit strings of one length */
  imsiRange?: { firstMsin: string; lastMsin: string };
  /** the realm of NAI SUPIs (nai-<username>@<realm>) */
  naiRealm?: string;
}

export type AuthMethod = '5G_AKA' | 'EAP_AKA_PRIME';
export type SupiKind = 'imsi' | 'nai' | 'preconfigured';
export type SuciScheme = 'A' | 'B' | 'null';

/** A device's oemid as the Evidence carries it: hex of the bytes, or an IANA PEN. */
export type OemId = { hex: string } | { pen: number };

export interface PolicyRule {
  name: string;
  /** every given criterion must hold; an empty match takes every device */
  match: { deviceClass?: string[]; oemid?: OemId[]; hwmodel?: string[] };
  /** the name of an SNPN of `snpns` */
  snpn: string;
  /** the credentials holder; 'udm' (NEF and AAA holders come with later issues) */
  holder: 'udm';
  authMethod: AuthMethod;
  /** imsi: from the SNPN's imsiRange; nai: under its naiRealm; preconfigured: imported per UEID */
  supi: SupiKind;
  suciScheme: SuciScheme;
  /** the EAR statuses this rule accepts (default: affirming only) */
  accept: EarStatus[];
}

export interface ProvisioningConfig {
  snpns: Record<string, SnpnConfig>;
  /** first matching rule wins */
  policy: PolicyRule[];
  credentials: {
    /** 4 hex */
    amf: string;
    /** initial SQN, 12 hex */
    sqn: string;
    /** how long credentials are valid: the bundle's notAfter, enforced by the UDM too */
    validityMs: number;
  };
  onboarding: {
    /** how long a challenge's nonce can be used */
    nonceLifetimeMs: number;
    /** a session that is ready but not acknowledged within this fails and is rolled back */
    deliveryTimeoutMs: number;
    /** tolerated difference between the Evidence's iat and the PS's clock */
    clockSkewMs: number;
  };
  /** retries of calls to the DCS (appraisal) and to the credentials holder (push) */
  retry: {
    /** attempts before the session fails (a compensating delete is retried until it succeeds) */
    maxAttempts: number;
    /** first retry delay; doubled after each failure */
    firstRetryMs: number;
    /** the largest retry delay */
    maxRetryMs: number;
    /**
     * how long a claimed appraisal or push belongs to the PS process that claimed it; work a
     * crashed process held resumes elsewhere (or after its restart) once this runs out
     */
    leaseMs: number;
  };
}

/** The configuration's SNPNs as identifiers: what the network serves and its cells broadcast. */
export function snpnIds(config: ProvisioningConfig): SnpnId[] {
  return Object.values(config.snpns).map(({ mcc, mnc, nid }) => ({ mcc, mnc, nid }));
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface DefaultConfigOptions {
  mcc?: string;
  mnc?: string;
  nid?: string;
  firstMsin?: string;
  lastMsin?: string;
  routingIndicator?: string;
}

/** The commented default configuration `npn-onboard init` writes. */
export function defaultConfigYaml(options: DefaultConfigOptions = {}): string {
  const mnc = options.mnc ?? '01';
  // MCC, MNC and MSIN make the IMSI's 15 digits.
  const msinDigits = 15 - 3 - mnc.length;
  const o = {
    mcc: options.mcc ?? '001',
    mnc,
    nid: options.nid ?? '000007ED9D5',
    firstMsin: options.firstMsin ?? '1'.padStart(msinDigits, '0'),
    lastMsin: options.lastMsin ?? `0${'9'.repeat(msinDigits - 1)}`,
    routingIndicator: options.routingIndicator ?? '0',
  };
  const text = `# npn-onboard: the network's configuration, read by the Provisioning Server (PS).
# Values that look like numbers but are identifiers (MCC, MNC, NID, MSIN, AMF, SQN) are quoted:
# YAML would otherwise read "001" as the number 1.
# The operator variant key OP is a secret and is not in this file: it comes from the environment
# (NPN_ONBOARD_OP, 32 hex digits) or from the file op next to this one.

# The Stand-alone Non-Public Networks the PS provisions into, by name.
snpns:
  demo:
${commented(`    mcc: "${o.mcc}"`, 'mobile country code, 3 digits (001: test network)')}
${commented(`    mnc: "${o.mnc}"`, 'mobile network code, 2 or 3 digits')}
${commented(`    nid: "${o.nid}"`, 'network identifier, 11 hex digits (TS 23.003 12.7)')}
${commented(`    routingIndicator: "${o.routingIndicator}"`, 'SUCI routing indicator, 1-4 digits')}
${commented('    imsiRange:', 'IMSI = MCC + MNC + an MSIN of this range; none issued twice')}
      firstMsin: "${o.firstMsin}"
      lastMsin: "${o.lastMsin}"
    # naiRealm: demo.snpn.example  # realm of NAI SUPIs, for rules with supi: nai

# The provisioning policy: the first rule whose match fits the appraised device decides.
# match may name deviceClass, oemid (hex, or an IANA PEN number) and hwmodel (hex), each one
# value or a list; an empty match takes every device. A device no rule matches is refused
# (POLICY_REJECTED).
policy:
  - name: every-device
    match: {}
    snpn: demo
    holder: udm             # the SNPN's UDM holds the credentials
    authMethod: 5G_AKA      # 5G_AKA or EAP_AKA_PRIME
    supi: imsi              # imsi (from imsiRange), nai (under naiRealm) or preconfigured
    suciScheme: A           # SUCI protection scheme: A (X25519), B (P-256) or "null"
    accept: [affirming]     # EAR statuses accepted; add warning to take those too

# Defaults of the generated 3GPP credentials (K is random, OPc is computed from K and OP).
credentials:
  amf: "8000"               # authentication management field, 4 hex digits
  sqn: "000000000020"       # initial sequence number, 12 hex digits
  validity: 30d             # notAfter, from provisioning: the UE and the UDM stop using them then

# Onboarding timings (units: ms, s, m, h, d).
onboarding:
  nonceLifetime: 120s       # a challenge's nonce is single-use and expires after this
  deliveryTimeout: 10m      # ready credentials not acknowledged in time are rolled back
  clockSkew: 5m             # Evidence whose iat is older than its nonce by more is stale

# Calls to the DCS and pushes to the credentials holder that fail are retried with exponential
# backoff; after maxAttempts the session fails (and anything already pushed is deleted again).
# A PS process owns each piece of work it claims for the lease: after a crash, what it held is taken up
# again (by another PS on the same store, or by itself restarted) once that time has passed.
retry:
  maxAttempts: 8
  firstRetry: 1s
  maxRetry: 5m
  lease: 30s
`;
  return text;
}

/** A YAML line with its comment in the column the default file uses. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(27)} # ${comment}`;
}

/** Reads and validates DIR/npn-onboard.yaml. */
export function loadConfig(dataDir: string): ProvisioningConfig {
  const path = join(dataDir, CONFIG_FILE_NAME);
  if (!existsSync(path)) {
    throw new ConfigError(
      `${path} does not exist: run \`npn-onboard init --data ${dataDir}\` to write the default`,
    );
  }
  return parseConfig(readFileSync(path, 'utf8'), path);
}

/** Parses and validates the configuration text; `source` names it in messages. */
export function parseConfig(text: string, source = CONFIG_FILE_NAME): ProvisioningConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new ConfigError(`${source}:${line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const where = (path: (string | number)[]): string => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    const line = offset !== undefined ? `:${lineCounter.linePos(offset).line}` : '';
    return `${source}${line}: ${formatPath(path)}`;
  };
  return new Validator(where).config(doc.toJS() as unknown);
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

type Path = (string | number)[];
type Json = Record<string, unknown>;

const DURATION = /^([0-9]+)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const EAR_STATUSES: EarStatus[] = ['affirming', 'warning', 'contraindicated', 'none'];

/** Walks the parsed YAML; each check throws a ConfigError naming the field and the fix. */
class Validator {
  constructor(private readonly where: (path: Path) => string) {}

  fail(path: Path, message: string): never {
    throw new ConfigError(`${this.where(path)}: ${message}`);
  }

  object(value: unknown, path: Path, allowed: readonly string[]): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'expected a mapping (key: value lines)');
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.fail(
          [...path, key],
          `unknown field; remove it or check its spelling (known here: ${allowed.join(', ')})`,
        );
      }
    }
    return value as Json;
  }

  text(value: unknown, path: Path, pattern: RegExp, expects: string): string {
    if (typeof value === 'number') {
      this.fail(
        path,
        `expected ${expects}; write it in quotes ("${String(value)}" loses leading zeros as a number)`,
      );
    }
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.fail(path, `expected ${expects}, got ${JSON.stringify(value) ?? 'nothing'}`);
    }
    return value;
  }

  required(obj: Json, key: string, path: Path): unknown {
    if (obj[key] === undefined || obj[key] === null) {
      this.fail([...path, key], 'missing; this field is required');
    }
    return obj[key];
  }

  duration(value: unknown, path: Path, fallback: number): number {
    if (value === undefined) return fallback;
    const m = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
    if (!m) {
      this.fail(path, `expected a duration such as 120s, 10m or 30d, got ${JSON.stringify(value)}`);
    }
    const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
    if (ms <= 0 || !Number.isSafeInteger(ms)) this.fail(path, 'expected a positive duration');
    return ms;
  }

  integer(value: unknown, path: Path, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** One value or a list of them, as a list. */
  list<T>(value: unknown, path: Path, item: (v: unknown, p: Path) => T): T[] {
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) this.fail(path, 'expected at least one value');
    return items.map((v, i) => item(v, Array.isArray(value) ? [...path, i] : path));
  }

  config(json: unknown): ProvisioningConfig {
    if (json === null || json === undefined) this.fail([], 'the file is empty; run init again');
    if (typeof json === 'object' && json !== null && 'op' in json) {
      this.fail(
        ['op'],
        'the OP is a secret and never goes in this file: remove it and set NPN_ONBOARD_OP or the file op in the data directory',
      );
    }
    const top = this.object(json, [], ['snpns', 'policy', 'credentials', 'onboarding', 'retry']);
    const snpns = this.snpns(this.required(top, 'snpns', []));
    const policy = this.policy(this.required(top, 'policy', []), snpns);

    const c = this.object(top.credentials ?? {}, ['credentials'], ['amf', 'sqn', 'validity']);
    const o = this.object(
      top.onboarding ?? {},
      ['onboarding'],
      ['nonceLifetime', 'deliveryTimeout', 'clockSkew'],
    );
    const r = this.object(
      top.retry ?? {},
      ['retry'],
      ['maxAttempts', 'firstRetry', 'maxRetry', 'lease'],
    );
    const config: ProvisioningConfig = {
      snpns,
      policy,
      credentials: {
        amf: this.text(
          c.amf ?? '8000',
          ['credentials', 'amf'],
          /^[0-9a-fA-F]{4}$/,
          '4 hex digits, e.g. "8000"',
        ).toLowerCase(),
        sqn: this.text(
          c.sqn ?? '000000000020',
          ['credentials', 'sqn'],
          /^[0-9a-fA-F]{12}$/,
          '12 hex digits, e.g. "000000000020"',
        ).toLowerCase(),
        validityMs: this.duration(c.validity, ['credentials', 'validity'], 30 * UNIT_MS.d!),
      },
      onboarding: {
        nonceLifetimeMs: this.duration(o.nonceLifetime, ['onboarding', 'nonceLifetime'], 120_000),
        deliveryTimeoutMs: this.duration(
          o.deliveryTimeout,
          ['onboarding', 'deliveryTimeout'],
          10 * UNIT_MS.m!,
        ),
        clockSkewMs: this.duration(o.clockSkew, ['onboarding', 'clockSkew'], 5 * UNIT_MS.m!),
      },
      retry: {
        maxAttempts: this.integer(r.maxAttempts, ['retry', 'maxAttempts'], 1, 1000, 8),
        firstRetryMs: this.duration(r.firstRetry, ['retry', 'firstRetry'], 1000),
        maxRetryMs: this.duration(r.maxRetry, ['retry', 'maxRetry'], 5 * UNIT_MS.m!),
        leaseMs: this.duration(r.lease, ['retry', 'lease'], 30_000),
      },
    };
    if (config.retry.maxRetryMs < config.retry.firstRetryMs) {
      this.fail(['retry', 'maxRetry'], 'must not be shorter than retry.firstRetry');
    }
    return config;
  }

  snpns(value: unknown): Record<string, SnpnConfig> {
    const path = ['snpns'];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'expected a mapping of SNPN names to their identifiers');
    }
    const out: Record<string, SnpnConfig> = {};
    const ids = new Map<string, string>();
    for (const [name, raw] of Object.entries(value)) {
      const at = [...path, name];
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
        this.fail(at, 'an SNPN name is 1-64 letters, digits, ".", "_" or "-"');
      }
      const s = this.object(raw, at, [
        'mcc',
        'mnc',
        'nid',
        'routingIndicator',
        'imsiRange',
        'naiRealm',
      ]);
      const snpn: SnpnConfig = {
        name,
        mcc: this.text(
          this.required(s, 'mcc', at),
          [...at, 'mcc'],
          /^[0-9]{3}$/,
          '3 digits in quotes, e.g. "001"',
        ),
        mnc: this.text(
          this.required(s, 'mnc', at),
          [...at, 'mnc'],
          /^[0-9]{2,3}$/,
          '2 or 3 digits in quotes, e.g. "01"',
        ),
        nid: this.text(
          this.required(s, 'nid', at),
          [...at, 'nid'],
          /^[0-9A-F]{11}$/,
          '11 upper-case hex digits in quotes, e.g. "000007ED9D5"',
        ),
        routingIndicator: this.text(
          s.routingIndicator ?? '0',
          [...at, 'routingIndicator'],
          /^[0-9]{1,4}$/,
          '1 to 4 digits in quotes, e.g. "0"',
        ),
      };
      const id = `${snpn.mcc}-${snpn.mnc}-${snpn.nid}`;
      if (ids.has(id)) {
        this.fail(at, `has the same MCC, MNC and NID as ${ids.get(id)!}; give each SNPN its own`);
      }
      ids.set(id, name);
      if (s.imsiRange !== undefined) {
        const r = this.object(s.imsiRange, [...at, 'imsiRange'], ['firstMsin', 'lastMsin']);
        const msin = /^[0-9]{1,10}$/;
        const expects = 'an MSIN of up to 10 digits in quotes, e.g. "0000000001"';
        const firstMsin = this.text(
          this.required(r, 'firstMsin', [...at, 'imsiRange']),
          [...at, 'imsiRange', 'firstMsin'],
          msin,
          expects,
        );
        const lastMsin = this.text(
          this.required(r, 'lastMsin', [...at, 'imsiRange']),
          [...at, 'imsiRange', 'lastMsin'],
          msin,
          expects,
        );
        if (firstMsin.length !== lastMsin.length) {
          this.fail(
            [...at, 'imsiRange'],
            'firstMsin and lastMsin must have the same number of digits',
          );
        }
        if (snpn.mcc.length + snpn.mnc.length + firstMsin.length > 15) {
          this.fail(
            [...at, 'imsiRange'],
            'MCC + MNC + MSIN exceed the 15 digits of an IMSI: shorten the MSINs',
          );
        }
        if (Number(firstMsin) > Number(lastMsin)) {
          this.fail([...at, 'imsiRange', 'lastMsin'], 'must not be below firstMsin');
        }
        snpn.imsiRange = { firstMsin, lastMsin };
      }
      if (s.naiRealm !== undefined) {
        if (typeof s.naiRealm !== 'string' || !isNaiRealm(s.naiRealm)) {
          this.fail(
            [...at, 'naiRealm'],
            'expected a realm of at least two labels, e.g. demo.snpn.example',
          );
        }
        snpn.naiRealm = s.naiRealm;
      }
      out[name] = snpn;
    }
    if (Object.keys(out).length === 0) this.fail(path, 'define at least one SNPN');
    return out;
  }

  policy(value: unknown, snpns: Record<string, SnpnConfig>): PolicyRule[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(['policy'], 'expected a list of rules ("- name: ..."), at least one');
    }
    const names = new Set<string>();
    return value.map((raw, i): PolicyRule => {
      const at: Path = ['policy', i];
      const r = this.object(raw, at, [
        'name',
        'match',
        'snpn',
        'holder',
        'authMethod',
        'supi',
        'suciScheme',
        'accept',
      ]);
      const name = this.text(
        r.name ?? `rule-${i + 1}`,
        [...at, 'name'],
        /^[A-Za-z0-9._-]{1,64}$/,
        'a rule name of letters, digits, ".", "_" or "-"',
      );
      if (names.has(name)) this.fail([...at, 'name'], `another rule is named ${name} already`);
      names.add(name);

      const snpnName = r.snpn;
      if (typeof snpnName !== 'string' || !(snpnName in snpns)) {
        this.fail(
          [...at, 'snpn'],
          `expected the name of an SNPN defined under snpns (${Object.keys(snpns).join(', ')}), got ${JSON.stringify(snpnName) ?? 'nothing'}`,
        );
      }
      const snpn = snpns[snpnName]!;
      const holder = r.holder ?? 'udm';
      if (holder !== 'udm') {
        this.fail(
          [...at, 'holder'],
          `expected udm (the only credentials holder so far), got ${JSON.stringify(holder)}`,
        );
      }
      const authMethod = r.authMethod ?? '5G_AKA';
      if (authMethod !== '5G_AKA' && authMethod !== 'EAP_AKA_PRIME') {
        this.fail(
          [...at, 'authMethod'],
          `expected 5G_AKA or EAP_AKA_PRIME, got ${JSON.stringify(authMethod)}`,
        );
      }
      const supi = r.supi ?? 'imsi';
      if (supi !== 'imsi' && supi !== 'nai' && supi !== 'preconfigured') {
        this.fail(
          [...at, 'supi'],
          `expected imsi, nai or preconfigured, got ${JSON.stringify(supi)}`,
        );
      }
      if (supi === 'imsi' && !snpn.imsiRange) {
        this.fail(
          [...at, 'supi'],
          `supi: imsi needs an imsiRange under snpns.${snpn.name}; add one or use supi: nai`,
        );
      }
      if (supi === 'nai' && !snpn.naiRealm) {
        this.fail([...at, 'supi'], `supi: nai needs a naiRealm under snpns.${snpn.name}; add one`);
      }
      // YAML reads an unquoted null as null: that is the null scheme too.
      const scheme = r.suciScheme === null ? 'null' : (r.suciScheme ?? 'A');
      if (scheme !== 'A' && scheme !== 'B' && scheme !== 'null') {
        this.fail([...at, 'suciScheme'], `expected A, B or "null", got ${JSON.stringify(scheme)}`);
      }
      const accept = this.list(r.accept ?? ['affirming'], [...at, 'accept'], (v, p) => {
        if (typeof v !== 'string' || !EAR_STATUSES.includes(v as EarStatus)) {
          this.fail(
            p,
            `expected an EAR status (${EAR_STATUSES.join(', ')}), got ${JSON.stringify(v)}`,
          );
        }
        return v as EarStatus;
      });
      if (accept.includes('contraindicated')) {
        this.fail(
          [...at, 'accept'],
          'contraindicated is never acceptable: the DCS found the device untrustworthy',
        );
      }
      return {
        name,
        match: this.match(r.match ?? {}, [...at, 'match']),
        snpn: snpnName,
        holder,
        authMethod,
        supi,
        suciScheme: scheme,
        accept,
      };
    });
  }

  match(value: unknown, at: Path): PolicyRule['match'] {
    const m = this.object(value, at, ['deviceClass', 'oemid', 'hwmodel']);
    const out: PolicyRule['match'] = {};
    if (m.deviceClass !== undefined) {
      out.deviceClass = this.list(m.deviceClass, [...at, 'deviceClass'], (v, p) =>
        this.text(v, p, /^[A-Za-z0-9._-]{1,64}$/, 'a device class name'),
      );
    }
    if (m.oemid !== undefined) {
      out.oemid = this.list(m.oemid, [...at, 'oemid'], (v, p): OemId => {
        if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return { pen: v };
        return {
          hex: this.text(
            v,
            p,
            /^(?:[0-9a-fA-F]{2}){1,32}$/,
            'hex bytes in quotes, or an IANA PEN number',
          ).toLowerCase(),
        };
      });
    }
    if (m.hwmodel !== undefined) {
      out.hwmodel = this.list(m.hwmodel, [...at, 'hwmodel'], (v, p) =>
        this.text(
          v,
          p,
          /^(?:[0-9a-fA-F]{2}){1,32}$/,
          'hex bytes in quotes, e.g. "0102"',
        ).toLowerCase(),
      );
    }
    return out;
  }
}
