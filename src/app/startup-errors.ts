import type { Config } from '../config/env';
import { describeDatabaseUrl } from '../store/database-url';

/**
 * The start-up failures a newcomer meets, each as one line naming the variable and what to do:
 * the port taken, PostgreSQL unreachable, missing or refusing. Anything else is left to the
 * caller (a stack is more useful than a guess).
 */
type Code = string | undefined;

function codeOf(err: unknown): Code {
  const e = err as { code?: string; errors?: { code?: string }[]; cause?: unknown };
  // Node's connect with several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  return e?.code ?? e?.errors?.find((x) => x.code)?.code ?? (e?.cause ? codeOf(e.cause) : undefined);
}

const PG_PROBLEMS: Record<string, (d: ReturnType<typeof describeDatabaseUrl>) => string> = {
  ECONNREFUSED: (d) => `nothing accepts connections at ${d.where} (database "${d.database}"); start PostgreSQL or fix the host and port in DATABASE_URL`,
  ENOTFOUND: (d) => `the host of ${d.where} is unknown (database "${d.database}"); fix the host name in DATABASE_URL`,
  EAI_AGAIN: (d) => `the host of ${d.where} could not be resolved (database "${d.database}"); check DNS or fix the host name in DATABASE_URL`,
  ETIMEDOUT: (d) => `no answer from ${d.where} (database "${d.database}"); check the host, port and firewall in DATABASE_URL`,
  EHOSTUNREACH: (d) => `${d.where} is unreachable (database "${d.database}"); check the host in DATABASE_URL`,
  '3D000': (d) => `database "${d.database}" does not exist on ${d.where}; create it (createdb ${d.database}) or fix the database name in DATABASE_URL`,
  '28P01': (d) => `PostgreSQL at ${d.where} refused user "${d.user}": wrong password (database "${d.database}"); fix the credentials in DATABASE_URL`,
  '28000': (d) =>
    `PostgreSQL at ${d.where} refused user "${d.user}" for database "${d.database}" (no such role or not allowed by pg_hba.conf); fix DATABASE_URL`,
  '42501': (d) => `user "${d.user}" may not create tables in database "${d.database}" on ${d.where}; grant it or use another user in DATABASE_URL`,
};

/** One line for a start-up failure we recognise, or undefined. */
export function describeStartupError(err: unknown, config: Pick<Config, 'PORT' | 'DATABASE_URL'>): string | undefined {
  const code = codeOf(err);
  if (code === 'EADDRINUSE') return `PORT: port ${config.PORT} is already in use by another process; stop that process or set PORT to a free port`;
  if (code === 'EACCES' && (err as { syscall?: string }).syscall === 'listen')
    return `PORT: port ${config.PORT} needs privileges this process does not have; use a port above 1023 (PORT)`;
  if (config.DATABASE_URL && code && PG_PROBLEMS[code]) return `DATABASE_URL: ${PG_PROBLEMS[code](describeDatabaseUrl(config.DATABASE_URL))}`;
  return undefined;
}
