/** host:port, database and user of a postgres:// URL, never the password (for messages and logs). */
export function describeDatabaseUrl(url: string): { where: string; database: string; user: string } {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username);
    return {
      where: `${u.hostname || 'localhost'}:${u.port || '5432'}`,
      // libpq's default database is the user's name.
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || user || 'postgres',
      user: user || '(default user)',
    };
  } catch {
    return { where: '(unparsable URL)', database: '?', user: '?' };
  }
}
