// Load benchmark of serving: autocannon against `stockops serve` (its serveCommand, in a child
// process so the load generator does not share the server's event loop) on loopback, and batch
// prediction (`stockops predict`) of every window of a full price history. bench.ts calls
// serveLoadBench() and prints the figures; nothing here asserts a time.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { featureOptions } from '../../core/features/featureOptions.ts';
import {
  buildFeatureTable,
  FEATURE_COLUMNS,
  slidingWindows,
} from '../../core/features/featureTable.ts';
import { parsePriceCsv } from '../../core/market/priceBar.ts';
import { lstmHyperparameters } from '../../core/model/lstmConfig.ts';
import { CANDIDATE_NAME, trainFinalModels } from '../../core/pipeline/modelSteps.ts';
import { predictCommand } from '../commands/predictCommand.ts';

export interface ServeLoadOptions {
  /** Holds `<symbol>.csv` in the price layout. */
  readonly dataDir: string;
  readonly symbol: string;
  readonly configDir?: string;
  readonly env?: string;
  /** Seconds per load phase; default 10. */
  readonly durationSeconds?: number;
  /** The fixed rate, requests/s; default 1,000. */
  readonly rate?: number;
  /** Concurrent connections; default 10. */
  readonly connections?: number;
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void;
}

/** One autocannon phase. Latencies from every response (ms, sub-millisecond resolution). */
export interface LoadFigures {
  readonly requests: number;
  readonly requests_per_second: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** Connection errors + timeouts + non-2xx answers. */
  readonly errors: number;
  readonly non_2xx: number;
  readonly timeouts: number;
}

export interface ServeLoadFigures {
  readonly bench: 'serve-load';
  readonly symbol: string;
  readonly request: string;
  readonly single_window: Record<
    string,
    { readonly fixed_rate: LoadFigures; readonly max_rate: LoadFigures }
  >;
  readonly batch: Record<
    string,
    { readonly windows: number; readonly wall_ms: number; readonly output_bytes: number }
  >;
  readonly targets: { readonly p99_ms: number; readonly rate: number; readonly batch_ms: number };
  readonly within_target: boolean;
}

const P99_TARGET_MS = 10;
const BATCH_TARGET_MS = 5000;

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, status: number, bytes: number, ms: number) => void,
  ): void;
}
// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: object,
) => AutocannonInstance;

export async function serveLoadBench(options: ServeLoadOptions): Promise<ServeLoadFigures> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const duration = options.durationSeconds ?? 10;
  const rate = options.rate ?? 1000;
  const connections = options.connections ?? 10;
  const configDir = resolve(options.configDir ?? 'config');
  const env = options.env ?? 'local';
  const work = mkdtempSync(join(tmpdir(), 'stockops-bench-serve-'));
  let child: ChildProcess | undefined;
  try {
    log(`serve-load: fitting the final models on ${options.symbol} (default config)`);
    const store = join(work, 'store');
    const csv = readFileSync(join(options.dataDir, `${options.symbol}.csv`));
    const bars = parsePriceCsv(csv.toString('utf8'), `${options.symbol}.csv`);
    const versions = await registerModels(store, options.symbol, bars, csv, configDir, env);

    // the server: champion last_close, challenger lstm with weight 0 (reached by target variant)
    child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { serveCommand } = await import(${JSON.stringify(pathToFileURL(resolve(import.meta.dirname, '../commands/serveCommand.ts')).href)});
process.exitCode = await serveCommand(${JSON.stringify({
          config: configDir,
          env,
          store,
          symbol: options.symbol,
          port: '0',
          challenger: String(versions.lstm),
          weights: '1,0',
          metrics: join(work, 'metrics.emf.jsonl'),
        })});`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const url = await serverUrl(child);
    log(`serve-load: stockops serve on ${url}`);
    const table = buildFeatureTable(
      bars,
      featureOptions(loadConfig({ dir: configDir, env }).config),
    );
    const window = lstmHyperparameters(loadConfig({ dir: configDir, env }).config).window;
    const windows = slidingWindows(table, window);
    const last = windows.at(-1)?.inputs ?? new Float64Array(0);
    const rows = Array.from({ length: window }, (_, r) =>
      Array.from(last.subarray(r * FEATURE_COLUMNS.length, (r + 1) * FEATURE_COLUMNS.length)),
    );
    const body = JSON.stringify({ windows: [rows] });

    const singleWindow: ServeLoadFigures['single_window'] = {};
    for (const [model, variant] of [
      ['last_close', 'champion'],
      [CANDIDATE_NAME, 'challenger'],
    ] as const) {
      const request = {
        url: `${url}/invocations`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-amzn-sagemaker-target-variant': variant },
        body,
        connections,
      };
      // warm-up: JIT and the first tensors, not measured
      await load({ ...request, amount: 500 });
      log(`serve-load: ${model} at ${rate} req/s for ${duration} s`);
      const fixed = await load({ ...request, duration, overallRate: rate });
      log(`serve-load: ${model} at max rate for ${duration} s`);
      const max = await load({ ...request, duration });
      singleWindow[model] = { fixed_rate: fixed, max_rate: max };
    }

    // batch: every window of the full history, as `stockops predict` on SYMBOL.csv
    const input = join(work, 'batch-in');
    mkdirSync(input);
    writeFileSync(join(input, `${options.symbol}.csv`), csv);
    const batch: ServeLoadFigures['batch'] = {};
    for (const [model, version] of Object.entries(versions)) {
      const output = join(work, `batch-out-${model}`);
      const t0 = performance.now();
      const code = await predictCommand(
        {
          config: configDir,
          env,
          store,
          symbol: options.symbol,
          version: String(version),
          input,
          output,
        },
        // stdout is bench.ts's JSON: the command's lines go to the log
        { out: log, err: log },
      );
      const wall = performance.now() - t0;
      if (code !== 0) throw new Error(`stockops predict (${model}) exited ${code}`);
      const out = readFileSync(join(output, `${options.symbol}.csv.out`), 'utf8');
      batch[model] = {
        windows: out.trimEnd().split('\n').length - 1,
        wall_ms: round(wall),
        output_bytes: out.length,
      };
    }
    const within =
      Object.values(singleWindow).every(
        (f) =>
          f.fixed_rate.p99_ms < P99_TARGET_MS &&
          f.fixed_rate.errors === 0 &&
          f.max_rate.errors === 0,
      ) && Object.values(batch).every((b) => b.wall_ms < BATCH_TARGET_MS);
    return {
      bench: 'serve-load',
      symbol: options.symbol,
      request: `POST /invocations, one ${window}-row window (application/json), ${connections} connections`,
      single_window: singleWindow,
      batch,
      targets: { p99_ms: P99_TARGET_MS, rate, batch_ms: BATCH_TARGET_MS },
      within_target: within,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/** Fits the final models and registers last_close (champion) and the LSTM in a fresh store. */
async function registerModels(
  storeRoot: string,
  symbol: string,
  bars: ReturnType<typeof parsePriceCsv>,
  csv: Uint8Array,
  configDir: string,
  env: string,
): Promise<Record<string, number>> {
  const resolved = loadConfig({ dir: configDir, env });
  const { config } = resolved;
  const table = buildFeatureTable(bars, featureOptions(config));
  const final = await trainFinalModels({
    symbol,
    table,
    config,
    configHash: resolved.hash,
    dataSha256: sha256Hex(csv),
    createdAt: new Date().toISOString(),
  });
  const registry = new StoreModelRegistry(new FileObjectStore(storeRoot));
  const at = new Date().toISOString();
  const lineage = {
    data: {
      symbol,
      from: bars[0]?.date ?? '',
      to: bars.at(-1)?.date ?? '',
      bars: bars.length,
      sha256: sha256Hex(csv),
    },
    config_hash: resolved.hash,
    git_commit: null,
    hyperparameters: {},
  };
  const register = (
    modelName: string,
    kind: 'baseline' | 'candidate',
    files: Record<string, Uint8Array>,
  ) =>
    registry.register({
      group: symbol,
      modelName,
      kind,
      files,
      metrics: {},
      lineage,
      status: 'Approved',
      reason: 'benchmark',
      at,
    });
  const champion = await register('last_close', 'baseline', final.baselines.last_close ?? {});
  await registry.setChampion(symbol, champion.version, 'benchmark', at);
  const lstm = await register(CANDIDATE_NAME, 'candidate', final.candidate);
  return { last_close: champion.version, [CANDIDATE_NAME]: lstm.version };
}

/** Waits for serveCommand's "serving SYMBOL on URL" line. */
function serverUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving \S+ on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolvePromise(m[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`stockops serve exited ${code}: ${err.slice(-500)}`)),
    );
  });
}

async function load(options: object): Promise<LoadFigures> {
  const latencies: number[] = [];
  const instance = autocannon(options);
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: result.requests.total,
    requests_per_second: Math.round(result.requests.total / result.duration),
    p50_ms: round(at(0.5), 3),
    p99_ms: round(at(0.99), 3),
    max_ms: round(latencies.at(-1) ?? 0, 3),
    errors: result.errors + result.non2xx,
    non_2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
