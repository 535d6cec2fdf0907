// The import use cases behind /v1/imports: request (an event the importer runs), read the imports read model,
// list an import's items (its failures with their reasons), cancel. Authorisation first, as everywhere: an
// import is its requester's; another's id is not found.
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors.ts';
import { newId } from '../ids/ids.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import { canSee, listOwner, requireChange, requireCreate, type Principal } from '../auth/principal.ts';
import { checkImportFilter } from './filter.ts';
import {
  ImportRequest,
  importEnded,
  type ImportItemDone,
  type ImportStatus,
  type ImportView,
} from './import.ts';

export interface ImportReads {
  get(id: string): Promise<ImportView | null>;
  list(query: { status?: ImportStatus; owner?: string; limit: number; cursor?: string }): Promise<{
    items: ImportView[];
    nextCursor: string | null;
  }>;
  items(
    importId: string,
    query: { outcome?: ImportItemDone['outcome']; limit: number; cursor?: string },
  ): Promise<{ items: unknown[]; nextCursor: string | null }>;
}

export interface ImportServiceDeps {
  events: EventPublisher;
  reads: ImportReads;
  /** The source names an import may use. */
  sources: readonly string[];
  /** Read-your-writes: waits until the imports read model has applied everything published so far. */
  caughtUp(timeoutMs: number): Promise<boolean>;
  readWaitMs: number;
}

export function createImportService(deps: ImportServiceDeps) {
  const { events, reads } = deps;
  const get = async (caller: Principal, id: string): Promise<ImportView> => {
    const found =
      (await reads.get(id)) ?? ((await deps.caughtUp(deps.readWaitMs)) ? await reads.get(id) : null);
    if (!found || !canSee(caller, found.owner)) throw new NotFoundError('import', id);
    return found;
  };
  return {
    /** Checks the request and publishes it; the importer runs it. */
    async request(caller: Principal, body: unknown) {
      requireCreate(caller, 'imports:write');
      const parsed = ImportRequest.safeParse(body);
      if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
      const request = parsed.data;
      if (!deps.sources.includes(request.source))
        throw new ValidationError(
          `there is no import source ${JSON.stringify(request.source)}; the sources are ${deps.sources.join(', ')}`,
        );
      if (request.scope.kind === 'filter') checkImportFilter(request.scope.filter);
      const importId = newId();
      const receipt = await events.publish(
        'pf.import.requested',
        importId,
        { importId, request },
        { actor: caller.actor, id: `${importId}-requested` },
      );
      return { id: importId, seq: receipt.seq };
    },
    get,
    list(
      caller: Principal,
      query: { status?: ImportStatus; owner?: string; limit: number; cursor?: string },
    ) {
      const { owner: requested, ...rest } = query;
      const owner = listOwner(caller, requested);
      return reads.list({ ...rest, ...(owner !== undefined ? { owner } : {}) });
    },
    async items(
      caller: Principal,
      id: string,
      query: { outcome?: ImportItemDone['outcome']; limit: number; cursor?: string },
    ) {
      await get(caller, id);
      return reads.items(id, query);
    },
    /** Asks the importer to stop: no new downloads, and those in flight within a second. */
    async cancel(caller: Principal, id: string) {
      const found = await get(caller, id);
      requireChange(caller, found.owner, 'imports:write', 'import', id);
      if (importEnded(found.status)) throw new ConflictError(`import ${id} already ${found.status}`);
      const receipt = await events.publish(
        'pf.import.cancel_requested',
        id,
        { importId: id },
        { actor: caller.actor, id: `${id}-cancel-requested` },
      );
      return { id, seq: receipt.seq };
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
