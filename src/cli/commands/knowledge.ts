import { createLogger, secretsOf } from '../../base/log';
import { loadRoutes } from '../../bots/config';
import { botStorage } from '../../bots/storage';
import { withStore } from '../open-store';
import type { CommandGroup } from '../types';

/**
 * `npm run cli -- knowledge index`: the bots' start-up work (the assistant chunking and embedding
 * its `knowledge` files into the store), run now and waited for, with progress. The server does
 * the same in the background at every start; only new or changed chunks are embedded, so running
 * this before a deploy makes the first answers wait for nothing, and an interrupted run resumes.
 */
export const group: CommandGroup = {
  summary: "index the assistant's knowledge files now (embeds only new or changed chunks)",
  commands: {
    index: {
      summary: 'chunk and embed the knowledge files of every route that has them, with progress; resumable',
      async run() {
        return withStore(async (store, config) => {
          const log = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, secrets: secretsOf(config), stream: process.stderr });
          const { routes } = await loadRoutes(config, log);
          const starting = routes.filter((r) => r.bot.start);
          if (starting.length === 0) {
            process.stdout.write('no bot route has start-up work (an assistant route with `knowledge`)\n');
            return 0;
          }
          for (const route of starting) {
            await route.bot.start!({
              options: (route.options ?? {}) as Record<string, unknown>,
              config,
              log: log.child({ bot: route.bot.name }),
              storage: botStorage(store, route.bot.name),
              progress: (message) => process.stdout.write(`${route.bot.name}: ${message}\n`),
            });
          }
          return 0;
        });
      },
    },
  },
};
