// What `demo` prints: a progress bar while the UEs onboard, the first UE's message ladder with
// the time of each step, and the summary.
import type { OnboardingTimings } from '../../ue/onboarding.js';

/** The p-th percentile (0-100) of ascending values, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface DemoSummary {
  ues: number;
  onboarded: number;
  failed: number;
  rate_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

export function summarise(
  ues: number,
  latenciesMs: number[],
  failed: number,
  elapsedMs: number,
): DemoSummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    ues,
    onboarded: latenciesMs.length,
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

const COLUMNS = ['UE', 'PS', 'DCS', 'UDM'] as const;
const WIDTH = 24;
const LINE = (COLUMNS.length - 1) * WIDTH + 1;

function ms(value: number): string {
  return `${value.toFixed(1).padStart(8)} ms`;
}

/** The lifelines, one '|' per column. */
function lifelines(): string[] {
  const chars = Array<string>(LINE).fill(' ');
  for (let i = 0; i < COLUMNS.length; i++) chars[i * WIDTH] = '|';
  return chars;
}

/** An arrow between two columns (indexes into COLUMNS) with its label on the shaft. */
function arrow(from: number, to: number, label: string): string {
  const chars = lifelines();
  const a = Math.min(from, to) * WIDTH;
  const b = Math.max(from, to) * WIDTH;
  for (let x = a + 1; x < b; x++) chars[x] = '-';
  if (from < to) chars[b - 1] = '>';
  else chars[a + 1] = '<';
  const text = ` ${label} `.slice(0, b - a - 5);
  const at = a + 3;
  for (let i = 0; i < text.length; i++) chars[at + i] = text[i]!;
  return chars.join('');
}

function note(text: string): string {
  const chars = lifelines();
  const line = `${chars.slice(0, 2).join('')}${text}`;
  return line.length >= LINE ? line : line + chars.slice(line.length).join('');
}

/** The message ladder of one onboarding (UE, PS, DCS, UDM), each step with its time. */
export function ladder(
  t: StepTimings,
  facts: { ueid: string; supi: string; form: string; status: string; authMethod: string },
): string {
  const head = COLUMNS.map((c) => c.padEnd(WIDTH))
    .join('')
    .padEnd(LINE);
  const lines = [
    `first UE: UEID ${facts.ueid}`,
    head,
    `${arrow(0, 1, 'POST challenge')}${ms(t.challenge)}`,
    arrow(1, 0, 'nonce'),
    `${note(`Evidence: EAT (${facts.form}), nonce, cnf`)}${ms(t.evidence)}`,
    `${arrow(0, 1, 'POST session')}${ms(t.submitted)}`,
    arrow(1, 2, 'appraise Evidence'),
    arrow(2, 1, `EAR ${facts.status}`),
    arrow(1, 3, `PUT ${facts.supi} (${facts.authMethod})`),
    arrow(3, 1, 'stored'),
    `${arrow(1, 0, 'ready: JWE to cnf')}${ms(t.ready)}`,
    `${note('decrypt the bundle, store it')}${ms(t.decrypted)}`,
    `${arrow(0, 1, 'POST ack')}${ms(t.acked)}`,
  ];
  const total = t.challenge + t.evidence + t.submitted + t.ready + t.decrypted + t.acked;
  lines.push(`${''.padEnd(LINE)}${ms(total)} in all`);
  return lines.map((l) => l.trimEnd()).join('\n');
}
