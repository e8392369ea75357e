import type { Logger } from 'winston';
import type { Store } from '../store/types';

/**
 * One log line each time `store` stops or starts taking writes (disk full, database unreachable),
 * from whoever opened it: the webhook route and the paused loops stay silent meanwhile.
 */
export function reportWriteProblems(store: Store, log: Logger): void {
  store.onWriteProblem?.((problem) => {
    if (problem !== undefined) log.error('store cannot write: webhooks are answered 503 and the work that writes pauses until it can', { problem });
    else log.info('store takes writes again: webhooks are stored and the paused work resumes');
  });
}
