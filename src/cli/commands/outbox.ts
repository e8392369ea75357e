import { withStore } from '../open-store';
import { UsageError, type CommandGroup } from '../types';

/**
 * `npm run cli -- outbox list|retry [ids…]`: the replies that became dead letters (permanent
 * provider errors, too many attempts, sends a crash interrupted that the provider could not
 * confirm), and re-queueing them. A running server picks re-queued replies up within seconds.
 */

const print = (s: string) => process.stdout.write(s + '\n');

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
          const maybe = d.maybeDelivered ? 'MAYBE DELIVERED\t' : '';
          print(`${d.id}\t${d.provider}\tconversation ${d.conversationId}\tattempts ${d.attempts}\t${maybe}${d.lastError ?? ''}\t${JSON.stringify(text)}`);
        }
        return 0;
      },
    },
    retry: {
      summary: 'send dead-lettered replies again (all of them, or the ids given); --force also those that may already have been delivered',
      usage: '[--force] [id …]',
      async run(argv) {
        const force = argv.includes('--force');
        const chosen = ids(argv.filter((a) => a !== '--force'));
        return withStore(async (s) => {
          const dead = (await s.listDeadLetters()).filter((d) => !chosen || chosen.includes(d.id));
          // Interrupted sends nobody could confirm: the customer may have them; a resend could double them.
          const doubtful = force ? [] : dead.filter((d) => d.maybeDelivered);
          const go = dead.filter((d) => !doubtful.includes(d)).map((d) => d.id);
          const n = go.length > 0 ? await s.outboxRequeueDead(go) : 0;
          print(`${n} ${n === 1 ? 'reply' : 'replies'} queued to be sent again`);
          if (chosen && dead.length < chosen.length) print(`${chosen.length - dead.length} of the ids given are not dead letters; left alone`);
          if (doubtful.length === 0) return 0;
          print(
            `${doubtful.length} left alone because they may already have been delivered (ids ${doubtful.map((d) => d.id).join(', ')}): ` +
              'check the conversation with the provider, then run `outbox retry --force <id …>` to send them anyway',
          );
          return 1;
        });
      },
    },
  },
};
