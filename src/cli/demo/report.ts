// What `demo` prints: a progress bar while the UEs onboard, the first UE's message ladder with
// the time of each step, and the summary.
import type { OnboardingTimings } from '../../ue/onboarding.js';
import type { RegistrationTimings } from '../../ue/registration.js';

/** The p-th percentile (0-100) of ascending values, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface DemoSummary {
  ues: number;
  /** Steps 1 and 2 done: the device holds credentials the UDM holds too */
  onboarded: number;
  /** Step 3 done too: the SNPN authenticated the device with them */
  authenticated: number;
  failed: number;
  rate_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

/** latenciesMs: one per device that completed every step (rate and percentiles count those). */
export function summarise(
  ues: number,
  latenciesMs: number[],
  failed: number,
  elapsedMs: number,
  counts: { onboarded: number; authenticated: number } = {
    onboarded: latenciesMs.length,
    authenticated: latenciesMs.length,
  },
): DemoSummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    ues,
    onboarded: counts.onboarded,
    authenticated: counts.authenticated,
    failed,
    rate_per_s: round1(elapsedMs > 0 ? (latenciesMs.length * 1000) / elapsedMs : 0),
    p50_ms: round1(percentile(sorted, 50)),
    p99_ms: round1(percentile(sorted, 99)),
  };
}

/** A one-line progress bar, redrawn in place on a terminal, printed at the end otherwise. */
export class ProgressBar {
  #done = 0;
  #failed = 0;
  #lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(ok: boolean): void {
    if (ok) this.#done++;
    else this.#failed++;
    const now = Date.now();
    const finished = this.#done + this.#failed === this.total;
    if (this.out.isTTY && (finished || now - this.#lastDraw > 50)) {
      this.#lastDraw = now;
      this.out.write(`\r${this.line()}`);
      if (finished) this.out.write('\n');
    } else if (!this.out.isTTY && finished) {
      this.out.write(`${this.line()}\n`);
    }
  }

  line(): string {
    const width = 30;
    const filled = Math.round(((this.#done + this.#failed) / this.total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const failed = this.#failed > 0 ? `, ${this.#failed} failed` : '';
    return `onboarding [${bar}] ${this.#done + this.#failed}/${this.total}${failed}`;
  }
}

/** The first UE's steps as the UE measured them, in ms (the total is summed here). */
export type StepTimings = Omit<OnboardingTimings, 'total'>;

const WIDTH = 24;

function ms(value: number): string {
  return `${value.toFixed(1).padStart(8)} ms`;
}

/** Draws a message ladder between lifelines, one column per party. */
class Ladder {
  readonly #line: number;
  readonly lines: string[] = [];

  constructor(private readonly columns: readonly string[]) {
    this.#line = (columns.length - 1) * WIDTH + 1;
    this.lines.push(
      columns
        .map((c) => c.padEnd(WIDTH))
        .join('')
        .padEnd(this.#line),
    );
  }

  /** The lifelines, one '|' per column. */
  #lifelines(): string[] {
    const chars = Array<string>(this.#line).fill(' ');
    for (let i = 0; i < this.columns.length; i++) chars[i * WIDTH] = '|';
    return chars;
  }

  /** An arrow between two parties with its label on the shaft, and a time at the end. */
  arrow(from: string, to: string, label: string, time?: number): this {
    const [f, t] = [this.columns.indexOf(from), this.columns.indexOf(to)];
    const chars = this.#lifelines();
    const a = Math.min(f, t) * WIDTH;
    const b = Math.max(f, t) * WIDTH;
    for (let x = a + 1; x < b; x++) chars[x] = '-';
    if (f < t) chars[b - 1] = '>';
    else chars[a + 1] = '<';
    const text = ` ${label} `.slice(0, b - a - 5);
    for (let i = 0; i < text.length; i++) chars[a + 3 + i] = text[i]!;
    this.lines.push(chars.join('') + (time === undefined ? '' : ms(time)));
    return this;
  }

  /** A note on the first party's lifeline. */
  note(text: string, time?: number): this {
    const chars = this.#lifelines();
    const line = `${chars.slice(0, 2).join('')}${text}`;
    const padded = line.length >= this.#line ? line : line + chars.slice(line.length).join('');
    this.lines.push(padded + (time === undefined ? '' : ms(time)));
    return this;
  }

  total(time: number): string {
    this.lines.push(`${''.padEnd(this.#line)}${ms(time)} in all`);
    return this.lines.map((l) => l.trimEnd()).join('\n');
  }
}

/** The message ladder of one onboarding (UE, PS, DCS, UDM), each step with its time. */
export function ladder(
  t: StepTimings,
  facts: { ueid: string; supi: string; form: string; status: string; authMethod: string },
): string {
  const l = new Ladder(['UE', 'PS', 'DCS', 'UDM'])
    .arrow('UE', 'PS', 'POST challenge', t.challenge)
    .arrow('PS', 'UE', 'nonce')
    .note(`Evidence: EAT (${facts.form}), nonce, cnf`, t.evidence)
    .arrow('UE', 'PS', 'POST session', t.submitted)
    .arrow('PS', 'DCS', 'appraise Evidence')
    .arrow('DCS', 'PS', `EAR ${facts.status}`)
    .arrow('PS', 'UDM', `PUT ${facts.supi} (${facts.authMethod})`)
    .arrow('UDM', 'PS', 'stored')
    .arrow('PS', 'UE', 'ready: JWE to cnf', t.ready)
    .note('decrypt the bundle, store it', t.decrypted)
    .arrow('UE', 'PS', 'POST ack', t.acked);
  const total = t.challenge + t.evidence + t.submitted + t.ready + t.decrypted + t.acked;
  return `first UE: UEID ${facts.ueid}\n${l.total(total)}`;
}

/** The message ladder of Step 3: the registration (UE, AMF, AUSF, UDM) with the new credentials. */
export function registrationLadder(
  t: RegistrationTimings,
  facts: { suci: string; snn: string; authMethod: string; supi: string },
): string {
  const eap = facts.authMethod === 'EAP_AKA_PRIME';
  const l = new Ladder(['UE', 'AMF', 'AUSF', 'UDM'])
    .note(`select the SNPN; SUCI ${facts.suci.slice(0, 40)}...`, t.suci)
    .arrow('UE', 'AMF', 'POST registration')
    .arrow('AMF', 'AUSF', 'ue-authentications')
    .arrow('AUSF', 'UDM', 'generate-auth-data')
    .arrow('UDM', 'AUSF', eap ? "SIDF; AV EAP-AKA'" : 'SIDF; 5G HE AV')
    .arrow('AMF', 'UE', eap ? "EAP AKA'-Challenge" : 'RAND, AUTN', t.challenge)
    .note(`USIM: AUTN checked, ${eap ? 'AT_RES, AT_MAC' : 'RES*'} (${facts.snn})`)
    .arrow('UE', 'AMF', eap ? 'EAP response' : 'RES*')
    .arrow('AMF', 'AUSF', eap ? 'eap-session' : '5g-aka-confirm')
    .arrow('AUSF', 'UDM', 'auth-events')
    .arrow('AMF', 'UE', eap ? 'EAP-Success' : 'SUCCESS', t.authentication)
    .note(`authenticated as ${facts.supi}`);
  return l.total(t.total);
}
