import type { DialectForms, SqlRunner } from '../sql';
import { appendCapped, completeOneReply, markSentAtOnce } from './one-statement';

/** What PostgreSQL adds to the shared store code: an applier lock across instances, and one-statement commits. */
export const postgresForms: DialectForms = {
  async serializeApply(tx: SqlRunner) {
    await tx.get("SELECT pg_advisory_xact_lock(hashtext('switchboard.process:' || current_schema()))");
  },
  completeOneReply,
  markSentAtOnce,
  appendCapped,
};
