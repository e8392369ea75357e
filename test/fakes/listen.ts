import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Start a fake provider server on an ephemeral 127.0.0.1 port (or the given one, to come back where it was); returns its origin (http://127.0.0.1:PORT). */
export async function listenLocal(server: Server, port = 0): Promise<string> {
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stop it, cutting keep-alive and long-poll connections so tests end promptly. */
export async function closeLocal(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}
