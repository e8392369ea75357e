import { createInterface } from 'node:readline';
import { loadConfig } from '../../config/env';
import { MIN_PASSWORD_LENGTH, hashPassword } from '../../console/passwords';
import { openStore } from '../../store';
import { type ConsoleStore, consoleStoreOf } from '../../store/console';
import { describeStore } from '../../store/describe';
import { OPERATOR_ROLES, type OperatorRole } from '../../store/operators';
import { UsageError, type CommandGroup } from '../types';

/**
 * `npm run cli -- operators add|list|remove|reset-password`: the people who sign in to the
 * console (/console). The password is read from standard input when it is not a terminal (one
 * line: `printf '%s\n' "$PW" | npm run cli -- operators add ana`), else asked for twice, unechoed.
 */

const print = (s: string) => process.stdout.write(s + '\n');

async function withConsole<T>(fn: (cs: ConsoleStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  process.stderr.write(`store: ${describeStore(config)}\n`);
  const store = await openStore(config);
  try {
    await store.migrate();
    return await fn(consoleStoreOf(store));
  } finally {
    await store.close();
  }
}

async function readAll(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += chunk;
  return s;
}

/** One line typed without echo. */
function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => {
      if (s.startsWith(question) || s === '\r\n' || s === '\n') write(s);
    };
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
}

async function readPassword(): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await ask('password: ');
    if ((await ask('again: ')) !== password) throw new UsageError('the two passwords differ');
  } else {
    password = (await readAll()).split(/\r?\n/)[0] ?? '';
  }
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

function nameOf(argv: string[]): string {
  const name = argv.find((a) => !a.startsWith('--') && !OPERATOR_ROLES.includes(a as OperatorRole));
  if (!name) throw new UsageError('name the operator');
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u.test(name)) throw new UsageError(`"${name}" is not a usable name (letters, digits, space . _ @ -; at most 64)`);
  return name;
}

function roleOf(argv: string[]): OperatorRole {
  const i = argv.indexOf('--role');
  if (i < 0) return 'operator';
  const role = argv[i + 1];
  if (!OPERATOR_ROLES.includes(role as OperatorRole)) throw new UsageError(`--role: expected ${OPERATOR_ROLES.join(' or ')}`);
  return role as OperatorRole;
}

export const group: CommandGroup = {
  summary: 'operator console accounts: add, list, remove, reset-password',
  commands: {
    add: {
      summary: 'add an account (role operator by default; admin also reads deliveries and the audit log)',
      usage: '<name> [--role admin|operator]   (password from stdin, or asked)',
      async run(argv) {
        const name = nameOf(argv.filter((_a, i) => argv[i - 1] !== '--role'));
        const role = roleOf(argv);
        const passwordHash = await hashPassword(await readPassword());
        return withConsole(async (cs) => {
          if (await cs.findOperator(name)) {
            process.stderr.write(`an operator named "${name}" exists already (operators reset-password ${name} changes the password)\n`);
            return 1;
          }
          await cs.addOperator({ name, role, passwordHash });
          await cs.audit({ operatorId: null, operatorName: 'cli', action: 'added an operator', detail: { name, role } });
          print(`added ${role} "${name}"; sign in at /console`);
          return 0;
        });
      },
    },
    list: {
      summary: 'list the accounts: name, role, created',
      async run() {
        const all = await withConsole((cs) => cs.listOperators());
        if (all.length === 0) print('no operators (add one: npm run cli -- operators add <name> --role admin)');
        for (const o of all) print(`${o.name}\t${o.role}\t${o.createdAt}`);
        return 0;
      },
    },
    remove: {
      summary: 'remove an account and sign it out everywhere',
      usage: '<name>',
      async run(argv) {
        const name = nameOf(argv);
        return withConsole(async (cs) => {
          if (!(await cs.removeOperator(name))) {
            process.stderr.write(`no operator named "${name}"\n`);
            return 1;
          }
          await cs.audit({ operatorId: null, operatorName: 'cli', action: 'removed an operator', detail: { name } });
          print(`removed "${name}"`);
          return 0;
        });
      },
    },
    'reset-password': {
      summary: "set a new password (ends the account's sessions)",
      usage: '<name>   (password from stdin, or asked)',
      async run(argv) {
        const name = nameOf(argv);
        const passwordHash = await hashPassword(await readPassword());
        return withConsole(async (cs) => {
          if (!(await cs.setOperatorPassword(name, passwordHash))) {
            process.stderr.write(`no operator named "${name}"\n`);
            return 1;
          }
          await cs.audit({ operatorId: null, operatorName: 'cli', action: 'reset a password', detail: { name } });
          print(`new password set for "${name}"; their sessions are signed out`);
          return 0;
        });
      },
    },
  },
};
