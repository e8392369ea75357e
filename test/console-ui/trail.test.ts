import { describe, expect, it } from 'vitest';
import { type Attempt, foldAttempts } from '../../src/console-ui/trail';

const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 10, 0, s)).toISOString();

describe('foldAttempts (the timeline line per run of identical send attempts)', () => {
  it('folds consecutive attempts with the same outcome and answer into one, first and last time kept', () => {
    const attempts: Attempt[] = [
      ...Array.from({ length: 6 }, (_, i): Attempt => ({ at: at(i * 10), outcome: 'retry', error: 'HTTP 503' })),
      { at: at(70), outcome: 'retry', error: 'connect ECONNREFUSED 127.0.0.1:9' },
      { at: at(80), outcome: 'retry', error: 'HTTP 503' },
      { at: at(90), outcome: 'sent', externalId: '5001' },
    ];
    expect(foldAttempts(attempts)).toEqual([
      { at: at(0), lastAt: at(50), outcome: 'retry', error: 'HTTP 503', count: 6 },
      { at: at(70), lastAt: at(70), outcome: 'retry', error: 'connect ECONNREFUSED 127.0.0.1:9', count: 1 },
      { at: at(80), lastAt: at(80), outcome: 'retry', error: 'HTTP 503', count: 1 },
      { at: at(90), lastAt: at(90), outcome: 'sent', externalId: '5001', count: 1 },
    ]);
  });

  it('never folds two sends (each has its own provider id) and keeps a dead letter apart from the retries before it', () => {
    const attempts: Attempt[] = [
      { at: at(0), outcome: 'retry', error: 'HTTP 500' },
      { at: at(5), outcome: 'dead', error: 'HTTP 500' },
      { at: at(9), outcome: 'sent', externalId: 'a' },
      { at: at(12), outcome: 'sent', externalId: 'b' },
    ];
    expect(foldAttempts(attempts).map((r) => [r.outcome, r.count])).toEqual([
      ['retry', 1],
      ['dead', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(foldAttempts([])).toEqual([]);
  });
});
