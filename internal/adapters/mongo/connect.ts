// Connects to MongoDB (real, or the local Mongo-wire server) and names the database.
import { MongoClient, type Db } from 'mongodb';
import { UnavailableError } from '../../errors/errors.ts';

export interface Mongo extends AsyncDisposable {
  client: MongoClient;
  db: Db;
  /** Round-trips a ping; throws UnavailableError when the server does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every write waits for a majority of the replica set and for the journal, so an acknowledged write (a blob,
 * a read model, a checkpoint) survives the loss of the primary and a crash of every server. A URL that sets
 * `w` or `journal` itself is taken as the operator's decision.
 */
export const DURABLE_WRITE_CONCERN = { w: 'majority', journal: true } as const;

/** Connects; the database is the URL's path, or `defaultDb` when the URL names none. */
export async function connectMongo(url: string, defaultDb = 'pixelforge'): Promise<Mongo> {
  const query = new URLSearchParams(url.split('?')[1] ?? '');
  const ownWriteConcern = ['w', 'journal', 'j'].some((option) => query.has(option));
  // serverApi stays unset: the local Mongo-wire server only negotiates through the legacy handshake.
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    maxPoolSize: 20,
    ...(ownWriteConcern ? {} : { writeConcern: DURABLE_WRITE_CONCERN }),
  });
  try {
    await client.connect();
  } catch (err) {
    throw new UnavailableError(`cannot reach MongoDB at ${redact(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const db = client.db(dbNameOf(url) ?? defaultDb);
  const close = () => client.close();
  return {
    client,
    db,
    close,
    async ping() {
      try {
        await db.command({ ping: 1 });
      } catch (err) {
        throw new UnavailableError(`MongoDB did not answer: ${(err as Error).message}`, { cause: err });
      }
    },
    [Symbol.asyncDispose]: close,
  };
}

function dbNameOf(url: string): string | undefined {
  const path = url.replace(/^mongodb(\+srv)?:\/\/[^/]*/, '').split('?')[0] ?? '';
  const name = decodeURIComponent(path.replace(/^\//, ''));
  return name || undefined;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
