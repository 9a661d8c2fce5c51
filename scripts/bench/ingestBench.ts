#!/usr/bin/env node
// Ingestion figures: the Lambda bundle's size, its cold-start init time (importing the bundle
// in a fresh Node process), and backfill throughput from a loopback Yahoo.
//   node scripts/bench/ingestBench.ts [--data ../shared/data] [--symbol AMZN] [--runs 5]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import { ResilientPriceSource } from '../../adapters/sources/resilientSource.ts';
import { YahooPriceSource } from '../../adapters/sources/yahooSource.ts';
import { DEFAULT_INGEST_QUALITY } from '../../core/ingest/ingestChunk.ts';
import { runIngest } from '../../core/ingest/ingestRun.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { DEFAULT_POLICIES } from '../../core/resilience/policySettings.ts';
import { startFaultyYahoo } from '../../test/support/faultyYahoo.ts';
import { syntheticBars } from '../../test/support/syntheticBars.ts';
import { bundleIngestLambda } from '../bundleLambda.ts';

const run = promisify(execFile);

export interface IngestBenchOptions {
  /** The history the fake Yahoo serves (default: 2,500 synthetic sessions from 2015). */
  readonly bars?: readonly PriceBar[];
  readonly symbol?: string;
  /** Fresh processes timed for the cold start. */
  readonly coldStartRuns?: number;
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

/** Import time of a module in a fresh Node process, and that process's wall time. */
async function coldStart(file: string, runs: number) {
  const script =
    'const t0 = performance.now(); const m = await import(process.argv[1]);' +
    'if (typeof m.handler !== "function") throw new Error("no handler export");' +
    'process.stdout.write(String(performance.now() - t0));';
  const importMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      script,
      pathToFileURL(file).href,
    ]);
    processMs.push(performance.now() - t0);
    importMs.push(Number(stdout));
  }
  return {
    runs,
    import_ms: { median: round(median(importMs)), runs: importMs.map(round) },
    process_ms: { median: round(median(processMs)), runs: processMs.map(round) },
  };
}

/** A full backfill of `bars` from the loopback Yahoo into `store`, then the resumed re-run. */
async function backfill(bars: readonly PriceBar[], symbol: string, store: ObjectStore) {
  const yahoo = await startFaultyYahoo({ [symbol]: bars });
  try {
    const source = new ResilientPriceSource(
      new YahooPriceSource({ baseUrl: yahoo.baseUrl, timeoutMs: 30_000 }),
      { settings: DEFAULT_POLICIES.yahoo },
    );
    const request = {
      kind: 'backfill' as const,
      symbols: [symbol],
      from: bars[0]?.date ?? '2015-01-02',
      to: bars.at(-1)?.date ?? '2015-01-02',
      force: false,
    };
    const deps = {
      sourceName: source.name,
      fetch: source.fetchChecked,
      store,
      quality: DEFAULT_INGEST_QUALITY,
      now: () => new Date('2030-12-31T00:00:00Z'),
      defaultSymbols: [symbol],
    };
    let t0 = performance.now();
    const first = await runIngest(request, deps);
    const ms = performance.now() - t0;
    const written = first.symbols[symbol]?.written ?? 0;
    if (first.status !== 'ingested' || written !== bars.length) {
      throw new Error(`backfill wrote ${written} of ${bars.length} bars: ${JSON.stringify(first)}`);
    }
    const requests = yahoo.requests.length;
    t0 = performance.now();
    await runIngest(request, deps);
    const resumeMs = performance.now() - t0;
    return {
      bars: written,
      requests,
      ms: round(ms),
      bars_per_second: Math.round(written / (ms / 1000)),
      resume_all_complete_ms: round(resumeMs),
      resume_requests: yahoo.requests.length - requests,
    };
  } finally {
    await yahoo.close();
  }
}

export async function ingestBench(options: IngestBenchOptions = {}) {
  const symbol = options.symbol ?? 'AMZN';
  const bars = options.bars ?? syntheticBars(2500, '2015-01-02');
  const outDir = mkdtempSync(join(tmpdir(), 'stockops-bench-lambda-'));
  const storeDir = mkdtempSync(join(tmpdir(), 'stockops-bench-ingest-'));
  try {
    const bundle = await bundleIngestLambda(outDir);
    const cold = await coldStart(bundle.file, options.coldStartRuns ?? 5);
    const memory = await backfill(bars, symbol, new MemoryObjectStore());
    const disk = await backfill(bars, symbol, new FileObjectStore(storeDir));
    return {
      bench: 'ingest',
      node: process.version,
      bundle: {
        bytes: bundle.bytes,
        kib: round(bundle.bytes / 1024),
        build_ms: round(bundle.ms),
        format: 'esm, node24, minified, AWS SDK included',
      },
      cold_start: cold,
      backfill: {
        symbol,
        source: 'loopback fake Yahoo (chunks of 253 sessions)',
        memory_store: memory,
        file_store: disk,
      },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      symbol: { type: 'string', default: 'AMZN' },
      runs: { type: 'string', default: '5' },
    },
  });
  let bars: readonly PriceBar[] | undefined;
  if (values.data) {
    const file = join(resolve(values.data), `${values.symbol}.csv`);
    if (!existsSync(file)) {
      process.stderr.write(`ingest bench: ${file} not found; pass --data DIR holding SYMBOL.csv\n`);
      process.exit(2);
    }
    bars = (
      await new CsvPriceSource(values.data).fetchDaily(values.symbol, '1997-01-01', '2030-12-31')
    ).bars;
  }
  const figures = await ingestBench({
    ...(bars ? { bars } : {}),
    symbol: values.symbol,
    coldStartRuns: Number(values.runs),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
