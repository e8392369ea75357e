import { describe, expect, it } from 'vitest';
import { storageProblem, WriteHealth } from '../../src/store/write-health';
import { eventually } from '../helpers/process';

const err = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});

describe('storageProblem', () => {
  it('names what the storage cannot do, not what one statement got wrong', () => {
    expect(storageProblem(err('SQLITE_FULL', 'database or disk is full'))).toMatch(/SQLITE_FULL/);
    expect(storageProblem(err('SQLITE_IOERR_WRITE', 'disk I/O error'))).toMatch(/IOERR/);
    expect(storageProblem(err('SQLITE_READONLY', 'attempt to write a readonly database'))).toMatch(/READONLY/);
    expect(storageProblem(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toMatch(/ECONNREFUSED/);
    expect(storageProblem(err(undefined, 'Connection terminated unexpectedly'))).toMatch(/terminated/);
    expect(storageProblem(err(undefined, 'timeout exceeded when trying to connect'))).toMatch(/timeout/);
    expect(storageProblem(err('57P01', 'terminating connection due to administrator command'))).toMatch(/57P01/);
    expect(storageProblem(err('57014', 'canceling statement due to statement timeout'))).toMatch(/57014/);
    expect(storageProblem(err('53100', 'could not extend file: No space left on device'))).toMatch(/53100/);
    expect(storageProblem(err('08006', 'connection failure'))).toMatch(/08006/);

    expect(storageProblem(err('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'))).toBeUndefined();
    expect(storageProblem(err('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(storageProblem(err('42P01', 'relation "x" does not exist'))).toBeUndefined();
    expect(storageProblem(new TypeError('cannot read properties of undefined'))).toBeUndefined();
  });
});

describe('WriteHealth', () => {
  it('tells each change once, and a probe brings it back when nothing else writes', async () => {
    let probeFails = true;
    const health = new WriteHealth(async () => {
      if (probeFails) throw err('SQLITE_FULL', 'database or disk is full');
    }, 10);
    const changes: (string | undefined)[] = [];
    health.onChange((p) => changes.push(p));
    health.failed(err('SQLITE_CONSTRAINT', 'constraint'));
    expect(health.problem).toBeUndefined();
    for (let i = 0; i < 5; i++) health.failed(err('SQLITE_FULL', 'database or disk is full'));
    expect(health.problem).toMatch(/SQLITE_FULL/);
    health.succeeded();
    health.failed(err('SQLITE_FULL', 'database or disk is full'));
    expect(changes.map((c) => c !== undefined)).toEqual([true, false, true]);
    probeFails = false;
    await eventually(async () => health.problem === undefined);
    expect(changes.map((c) => c !== undefined)).toEqual([true, false, true, false]);
    health.close();
  });
});
