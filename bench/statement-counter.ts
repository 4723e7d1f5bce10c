// A counting TCP proxy between Amparo and PostgreSQL, for benches: it reads the frontend side of the wire
// protocol and tallies statements (Parse and simple Query messages, by their SQL text) and round trips (Sync
// and simple Query messages, each of which the client waits on). It forwards every byte unchanged and never
// reads parameters, so no report text or number passes through it. Only for a server on this machine.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface StatementTally {
  /** Parse + simple Query messages. */
  statements: number;
  /** Sync + simple Query messages: the times a client sent something and waited for the answer. */
  roundTrips: number;
  /** Statements by SQL text (whitespace collapsed). */
  byText: Map<string, number>;
}

export interface StatementCounter {
  /** The database URL to give Amparo: the same database, through the proxy. */
  url: string;
  snapshot(): StatementTally;
  close(): Promise<void>;
}

function emptyTally(): StatementTally {
  return { statements: 0, roundTrips: 0, byText: new Map() };
}

export function tallyDifference(after: StatementTally, before: StatementTally): StatementTally {
  const byText = new Map<string, number>();
  for (const [text, count] of after.byText) {
    const delta = count - (before.byText.get(text) ?? 0);
    if (delta > 0) byText.set(text, delta);
  }
  return {
    statements: after.statements - before.statements,
    roundTrips: after.roundTrips - before.roundTrips,
    byText,
  };
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end === -1 ? buffer.length : end);
}

/** Reads one connection's frontend messages as they stream past. */
function frontendReader(tally: StatementTally): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let startup = true;
  const record = (text: string) => {
    const key = text.replace(/\s+/g, ' ').trim();
    tally.statements += 1;
    tally.byText.set(key, (tally.byText.get(key) ?? 0) + 1);
  };
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (startup) {
        // The startup message (and an SSLRequest before it) has a length but no type byte.
        if (pending.length < 4) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        pending = pending.subarray(length);
        if (code !== 80877103) startup = false; // 80877103: SSLRequest, which a startup message follows
        continue;
      }
      if (pending.length < 5) return;
      const type = String.fromCharCode(pending[0]!);
      const length = pending.readInt32BE(1);
      if (pending.length < 1 + length) return;
      const body = pending.subarray(5, 1 + length);
      if (type === 'Q') {
        record(cString(body, 0));
        tally.roundTrips += 1;
      } else if (type === 'P') {
        const nameEnd = body.indexOf(0);
        record(cString(body, nameEnd + 1));
      } else if (type === 'S') {
        tally.roundTrips += 1;
      }
      pending = pending.subarray(1 + length);
    }
  };
}

export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  // The embedded server listens on a Unix socket only: its URL names the socket's directory as ?host=.
  const socketDir = target.searchParams.get('host')?.startsWith('/') ? target.searchParams.get('host') : null;
  const tally = emptyTally();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const port = Number(target.port || 5432);
    const upstream = socketDir
      ? createConnection({ path: `${socketDir}/.s.PGSQL.${port}` })
      : createConnection({ host: target.hostname, port });
    sockets.add(client).add(upstream);
    const read = frontendReader(tally);
    client.on('data', (chunk: Buffer) => {
      read(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.searchParams.delete('host');
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.href,
    snapshot: () => ({ ...tally, byText: new Map(tally.byText) }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
