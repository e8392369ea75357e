import { loadConfig } from '../../config/env';
import { openStore } from '../../store';
import { describeStore } from '../../store/describe';
import type { Store } from '../../store/types';
import { UsageError, type CommandGroup } from '../types';

/**
 * `npm run cli -- outbox list|retry [ids…]`: the replies that became dead letters (permanent
 * provider errors, too many attempts, sends a crash interrupted that the provider could not
 * confirm), and re-queueing them. A running server picks re-queued replies up within seconds.
 */

const print = (s: string) => process.stdout.write(s + '\n');

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // On stderr, so what the command prints stays the same for scripts.
  process.stderr.write(`store: ${describeStore(config)}\n`);
  const store = await openStore(config);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

function ids(argv: string[]): number[] | undefined {
  if (argv.length === 0) return undefined;
  return argv.map((a) => {
    if (!/^\d+$/.test(a)) throw new UsageError(`"${a}" is not an outbox id (see npm run cli -- outbox list)`);
    return Number(a);
  });
}

export const group: CommandGroup = {
  summary: 'replies that could not be sent (dead letters): list, re-send',
  commands: {
    list: {
      summary: 'list dead-lettered replies: id, provider, conversation, attempts, last error, text',
      async run() {
        const dead = await withStore((s) => s.listDeadLetters());
        if (dead.length === 0) print('no dead letters');
        for (const d of dead) {
          const text = (d.message.text ?? d.message.media?.url ?? '').replace(/\s+/g, ' ').slice(0, 60);
          print(`${d.id}\t${d.provider}\tconversation ${d.conversationId}\tattempts ${d.attempts}\t${d.lastError ?? ''}\t${JSON.stringify(text)}`);
        }
        return 0;
      },
    },
    retry: {
      summary: 'send dead-lettered replies again (all of them, or the ids given)',
      usage: '[id …]',
      async run(argv) {
        const chosen = ids(argv);
        const n = await withStore((s) => s.outboxRequeueDead(chosen));
        print(`${n} ${n === 1 ? 'reply' : 'replies'} queued to be sent again`);
        if (chosen && n < chosen.length) print(`${chosen.length - n} of the ids given are not dead letters; left alone`);
        return 0;
      },
    },
  },
};
