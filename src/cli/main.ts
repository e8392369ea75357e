import { ConfigError } from '../config/env';
import { readEnvFile } from '../config/env-file';
import { UsageError, type CommandGroup } from './types';

/**
 * `npm run cli -- <group> <command> [options]`. One line per group; a group's module is loaded only
 * when it is used, so one group's dependencies never slow down or break another.
 */
const GROUPS: Record<string, { summary: string; load: () => Promise<CommandGroup> }> = {
  deliveries: {
    summary: 'the delivery log: list, show, replay (also --dry-run), discard',
    load: async () => (await import('./commands/deliveries')).group,
  },
  knowledge: {
    summary: "the assistant's knowledge: index (embed new or changed chunks now, resumable)",
    load: async () => (await import('./commands/knowledge')).group,
  },
  operators: { summary: 'operator console accounts: add, list, remove, reset-password', load: async () => (await import('./commands/operators')).group },
  outbox: { summary: 'replies that could not be sent (dead letters): list, re-send', load: async () => (await import('./commands/outbox')).group },
  ringcentral: { summary: 'RingCentral Webinar webhook subscriptions', load: async () => (await import('./commands/ringcentral')).group },
  simulate: {
    summary: 'post a realistic provider webhook to a running server (try a bot without a provider account)',
    load: async () => (await import('./commands/simulate')).group,
  },
};

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

async function help(groupName?: string): Promise<void> {
  if (groupName && GROUPS[groupName]) {
    const group = await GROUPS[groupName]!.load();
    out(`npm run cli -- ${groupName} <command> [options]\n`);
    for (const [name, c] of Object.entries(group.commands)) out(`  ${name.padEnd(12)} ${c.summary}`);
    return;
  }
  out('npm run cli -- <group> <command> [options]\n');
  for (const [name, g] of Object.entries(GROUPS)) out(`  ${name.padEnd(12)} ${g.summary}`);
  out("\nnpm run cli -- <group> help   lists a group's commands");
}

async function main(argv: string[]): Promise<number> {
  readEnvFile(process.env); // the server's .env, so the CLI opens the store the server uses
  const [groupName, commandName, ...rest] = argv;
  if (!groupName || groupName === 'help' || groupName === '--help' || groupName === '-h') {
    await help();
    return 0;
  }
  const entry = GROUPS[groupName];
  if (!entry) {
    err(`unknown command group "${groupName}"`);
    await help();
    return 64;
  }
  const group = await entry.load();
  if (!commandName || commandName === 'help' || commandName === '--help') {
    await help(groupName);
    return commandName ? 0 : 64;
  }
  const command = group.commands[commandName];
  if (!command) {
    err(`unknown command "${groupName} ${commandName}"`);
    await help(groupName);
    return 64;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`npm run cli -- ${groupName} ${commandName} ${command.usage ?? ''}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\nusage: npm run cli -- ${groupName} ${commandName} ${command.usage ?? ''}`);
      return 64;
    }
    if (e instanceof ConfigError) {
      err(`Configuration error: ${e.message}`);
      return 78;
    }
    err(`${groupName} ${commandName} failed: ${(e as Error).message ?? e}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    err(String((e as Error)?.stack ?? e));
    process.exit(1);
  },
);
