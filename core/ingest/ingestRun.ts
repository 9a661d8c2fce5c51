import type { IsoDate } from '../market/isoDate.ts';
import {
  backfillSessions,
  DEFAULT_CHUNK_SESSIONS,
  type FetchChunk,
  planChunks,
} from './backfillPlan.ts';
import {
  type ChunkResult,
  IncompleteFetchError,
  type IngestContext,
  IngestQualityError,
  ingestChunk,
} from './ingestChunk.ts';
import type { IngestRequest } from './ingestEvent.ts';
import { StoredSymbol } from './storedPartitions.ts';
import { lastClosedSession, sessionOfScheduledTime } from './tradingDate.ts';

export interface IngestRunDeps extends IngestContext {
  readonly now: () => Date;
  /** Symbols of a scheduled event that names none. */
  readonly defaultSymbols: readonly string[];
  readonly maxChunkSessions?: number;
  /** Asked before each chunk; true stops the run there (the Lambda's time budget). */
  readonly outOfTime?: () => boolean;
  /** After each chunk, loaded or failed. */
  readonly onChunk?: (chunk: FetchChunk, result: ChunkResult | Error) => void;
}

/** Why a symbol stopped: the source (after retries), the data's quality, or the time budget. */
export type FailureKind = 'source' | 'quality' | 'time' | 'store';

export interface SymbolOutcome {
  readonly symbol: string;
  /** Sessions in the request. */
  readonly sessions: number;
  /** Sessions already complete before the run (skipped, not fetched). */
  readonly complete: number;
  /** Sessions written (or found identical) by this run. */
  written: number;
  notListed: number;
  rawWritten: number;
  curatedWritten: number;
  chunks: number;
  readjusted: NonNullable<ChunkResult['readjusted']>[];
  warnings: string[];
  error?: string;
  failure?: FailureKind;
}

export interface SymbolPlan {
  readonly symbol: string;
  readonly sessions: readonly IsoDate[];
  readonly complete: ReadonlySet<IsoDate>;
  readonly chunks: readonly FetchChunk[];
  readonly stored: StoredSymbol;
}

export interface IngestPlan {
  readonly kind: IngestRequest['kind'];
  /** Set when a scheduled run has nothing to do (weekend, holiday, before the close). */
  readonly skip?: { readonly date: IsoDate; readonly reason: string };
  readonly date?: IsoDate;
  readonly closeTime?: string;
  readonly earlyClose?: boolean;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  /** Sessions before a listing are expected only in a backfill. */
  readonly allowLeadingGap: boolean;
  readonly symbols: readonly SymbolPlan[];
}

export interface IngestOutcome {
  readonly kind: IngestRequest['kind'];
  /**
   * `skipped`: no session to load (the reason says why); `complete`: every session was already
   * stored; `ingested`: sessions were loaded; `failed`: a symbol failed (see its error).
   */
  readonly status: 'skipped' | 'complete' | 'ingested' | 'failed';
  readonly reason?: string;
  readonly date?: IsoDate;
  readonly closeTime?: string;
  readonly earlyClose?: boolean;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  readonly symbols: Record<string, SymbolOutcome>;
}

/** Decides what a request loads: the sessions, which are complete already, and the chunks. */
export async function planIngest(request: IngestRequest, deps: IngestRunDeps): Promise<IngestPlan> {
  const chunkSize = deps.maxChunkSessions ?? DEFAULT_CHUNK_SESSIONS;
  const planSymbols = async (symbols: readonly string[], sessions: IsoDate[], force: boolean) => {
    const plans: SymbolPlan[] = [];
    for (const symbol of symbols) {
      const stored = new StoredSymbol(deps.store, deps.sourceName, symbol);
      const complete = force ? new Set<IsoDate>() : await stored.completeSessions(sessions);
      plans.push({
        symbol,
        sessions,
        complete,
        chunks: planChunks(symbol, sessions, complete, chunkSize),
        stored,
      });
    }
    return plans;
  };
  if (request.kind === 'scheduled') {
    const session = sessionOfScheduledTime(request.time);
    if (session.kind === 'skip') {
      return {
        kind: 'scheduled',
        skip: { date: session.date, reason: session.reason },
        date: session.date,
        allowLeadingGap: false,
        symbols: [],
      };
    }
    const symbols = request.symbols ?? deps.defaultSymbols;
    return {
      kind: 'scheduled',
      date: session.date,
      closeTime: session.closeTime,
      earlyClose: session.earlyClose,
      from: session.date,
      to: session.date,
      allowLeadingGap: false,
      symbols: await planSymbols(symbols, [session.date], false),
    };
  }
  const sessions = backfillSessions(request.from, request.to, lastClosedSession(deps.now()));
  return {
    kind: 'backfill',
    from: request.from,
    to: request.to,
    allowLeadingGap: true,
    symbols: await planSymbols(request.symbols, sessions, request.force),
  };
}

function failureKind(error: unknown): FailureKind {
  if (error instanceof IngestQualityError) return 'quality';
  if (error instanceof IncompleteFetchError) return 'source';
  const name = (error as Error).name ?? '';
  if (name === 'S3StoreError' || /cannot write|S3 /.test((error as Error).message ?? '')) {
    return 'store';
  }
  return 'source';
}

/**
 * Runs a plan symbol by symbol, chunk by chunk in date order. A symbol stops at its first
 * failed chunk (so its curated history never gets a hole in the middle) and the others go
 * on; the outcome says what failed and why.
 */
export async function executePlan(plan: IngestPlan, deps: IngestRunDeps): Promise<IngestOutcome> {
  const head = {
    kind: plan.kind,
    ...(plan.date === undefined ? {} : { date: plan.date }),
    ...(plan.closeTime === undefined ? {} : { closeTime: plan.closeTime }),
    ...(plan.earlyClose === undefined ? {} : { earlyClose: plan.earlyClose }),
    ...(plan.from === undefined ? {} : { from: plan.from }),
    ...(plan.to === undefined ? {} : { to: plan.to }),
  };
  if (plan.skip) return { ...head, status: 'skipped', reason: plan.skip.reason, symbols: {} };
  const symbols: Record<string, SymbolOutcome> = {};
  let loaded = 0;
  for (const p of plan.symbols) {
    const out: SymbolOutcome = {
      symbol: p.symbol,
      sessions: p.sessions.length,
      complete: p.complete.size,
      written: 0,
      notListed: 0,
      rawWritten: 0,
      curatedWritten: 0,
      chunks: 0,
      readjusted: [],
      warnings: [],
    };
    symbols[p.symbol] = out;
    for (const chunk of p.chunks) {
      if (deps.outOfTime?.()) {
        out.error =
          `${p.symbol}: stopped before ${chunk.from} to stay within the time budget; ` +
          'the next run (or the Lambda retry) resumes there, skipping complete sessions';
        out.failure = 'time';
        break;
      }
      try {
        const r = await ingestChunk(deps, p.stored, chunk, {
          allowLeadingGap: plan.allowLeadingGap,
        });
        out.chunks++;
        out.written += r.written;
        out.notListed += r.notListed;
        out.rawWritten += r.rawWritten;
        out.curatedWritten += r.curatedWritten;
        if (r.readjusted) out.readjusted.push(r.readjusted);
        out.warnings.push(...r.warnings);
        loaded += r.written;
        deps.onChunk?.(chunk, r);
      } catch (error) {
        const e = error as Error;
        out.error = e.message;
        out.failure = failureKind(error);
        deps.onChunk?.(chunk, e);
        break;
      }
    }
  }
  const failed = Object.values(symbols).some((s) => s.error !== undefined);
  const status = failed ? 'failed' : loaded > 0 ? 'ingested' : 'complete';
  return { ...head, status, symbols };
}

/** Plans and runs a request. */
export async function runIngest(
  request: IngestRequest,
  deps: IngestRunDeps,
): Promise<IngestOutcome> {
  return executePlan(await planIngest(request, deps), deps);
}

/** One message naming every symbol that failed and why, for the error the handler throws. */
export function describeFailures(outcome: IngestOutcome): string {
  const failed = Object.values(outcome.symbols).filter((s) => s.error !== undefined);
  const what =
    outcome.kind === 'scheduled' ? `session ${outcome.date}` : `${outcome.from}..${outcome.to}`;
  return (
    `ingest of ${what} failed for ${failed.map((s) => s.symbol).join(', ')}: ` +
    failed.map((s) => `[${s.failure}] ${s.error}`).join(' | ')
  );
}
