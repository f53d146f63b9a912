// The demo's numbers and drawing: nearest-rank percentiles, the summary's fields, the ladder.
import { describe, expect, test } from 'vitest';
import {
  ladder,
  percentile,
  ProgressBar,
  registrationLadder,
  summarise,
} from '../../src/cli/demo/report.js';

describe('percentile (nearest rank)', () => {
  test('matches the definition on small sets', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 99)).toBe(10);
    expect(percentile(v, 10)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

test('summarise: the issue fields, rate over the elapsed time', () => {
  const s = summarise(4, [10, 30, 20], 1, 1500, { onboarded: 4, authenticated: 3 });
  expect(s).toEqual({
    ues: 4,
    onboarded: 4,
    authenticated: 3,
    failed: 1,
    rate_per_s: 2,
    p50_ms: 20,
    p99_ms: 30,
  });
});

test('the progress bar counts successes and failures', () => {
  const written: string[] = [];
  const out = {
    isTTY: false,
    write: (s: string) => written.push(s),
  } as unknown as NodeJS.WriteStream;
  const bar = new ProgressBar(3, out);
  bar.tick(true);
  bar.tick(false);
  expect(written).toEqual([]);
  bar.tick(true);
  expect(written).toEqual([`onboarding [${'#'.repeat(30)}] 3/3, 1 failed\n`]);
});

test('the ladder has the four lifelines and every step with its time', () => {
  const text = ladder(
    { challenge: 1, evidence: 2, submitted: 3, ready: 4, decrypted: 5, acked: 6 },
    {
      ueid: '01ab',
      supi: 'imsi-001010000000001',
      form: 'CWT',
      status: 'affirming',
      authMethod: '5G_AKA',
    },
  );
  const lines = text.split('\n');
  expect(lines[1]).toMatch(/^UE\s+PS\s+DCS\s+UDM$/);
  expect(text).toContain('EAR affirming');
  expect(text).toContain('PUT imsi-001010000000001 (5G_AKA)');
  for (const t of ['1.0 ms', '2.0 ms', '3.0 ms', '4.0 ms', '5.0 ms', '6.0 ms', '21.0 ms in all']) {
    expect(text).toContain(t);
  }
  // Every arrow ends on a lifeline: the columns line up.
  for (const line of lines.slice(2, -1)) expect(line[0]).toBe('|');
});

test.each(['5G_AKA', 'EAP_AKA_PRIME'])(
  'the registration ladder (%s): UE, AMF, AUSF, UDM',
  (method) => {
    const text = registrationLadder(
      { suci: 1.5, challenge: 20, authentication: 10, total: 31.5 },
      {
        suci: 'suci-0-001-01-0-1-1-abcdef',
        snn: '5G:mnc001.mcc001.3gppnetwork.org:000007ED9D5',
        authMethod: method,
        supi: 'imsi-001010000000001',
      },
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^UE\s+AMF\s+AUSF\s+UDM$/);
    expect(text).toContain('generate-auth-data');
    expect(text).toContain(method === '5G_AKA' ? 'RES*' : "EAP AKA'-Challenge");
    expect(text).toContain('authenticated as imsi-001010000000001');
    for (const t of ['1.5 ms', '20.0 ms', '10.0 ms', '31.5 ms in all']) expect(text).toContain(t);
    for (const line of lines.slice(1, -1)) expect(line[0]).toBe('|');
  },
);
