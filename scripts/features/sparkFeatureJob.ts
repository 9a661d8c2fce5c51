// Runs processing/spark/features_job.py under local PySpark (.venv-spark): the local runner's
// Spark engine and the real-data parity check. On AWS the same script runs on EMR Serverless.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureOptions } from '../../core/features/featureTable.ts';

export const SPARK_PYTHON = '.venv-spark/bin/python';
export const FEATURES_JOB = 'processing/spark/features_job.py';

export interface SparkJobRequest {
  /** A store root holding curated/. */
  readonly input: string;
  /** Where feature_version=V/symbol=S/ partitions are written. */
  readonly output: string;
  readonly symbols: readonly string[];
  readonly options: FeatureOptions;
  /** e.g. local[2]: this machine's cores. */
  readonly master: string;
  readonly signal?: AbortSignal;
}

export interface SparkJobResult {
  readonly code: number;
  readonly ms: number;
  /** The job's stdout and the tail of stderr (Spark logs a lot). */
  readonly output: string;
}

export function sparkJobArgs(r: SparkJobRequest): string[] {
  return [
    FEATURES_JOB,
    `--input=${r.input}`,
    `--output=${r.output}`,
    `--symbols=${r.symbols.join(',')}`,
    `--avg-price=${r.options.avgPrice}`,
    `--volatility-window=${r.options.volatilityWindow}`,
    `--volume-window=${r.options.volumeWindow}`,
    `--master=${r.master}`,
  ];
}

export async function runSparkFeatureJob(r: SparkJobRequest): Promise<SparkJobResult> {
  if (!existsSync(SPARK_PYTHON)) {
    throw new Error(
      `${SPARK_PYTHON} not found: run \`node scripts/ensurePythonTools.ts\` (PySpark from processing/requirements.txt; needs Java 17)`,
    );
  }
  const started = performance.now();
  const child = spawn(SPARK_PYTHON, sparkJobArgs(r), {
    env: { ...process.env, PYSPARK_PYTHON: SPARK_PYTHON },
    ...(r.signal ? { signal: r.signal } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  return { code, ms: performance.now() - started, output: `${stdout}${code === 0 ? '' : stderr}` };
}

/** Rows in `date,avg_price,…` order per symbol, read back from the job's CSV partitions. */
export function readSparkFeatures(
  output: string,
  version: number,
): Map<string, (string | number | null)[][]> {
  const root = join(output, `feature_version=${version}`);
  const out = new Map<string, (string | number | null)[][]>();
  for (const dir of readdirSync(root).filter((d) => d.startsWith('symbol='))) {
    const rows: (string | number | null)[][] = [];
    for (const file of readdirSync(join(root, dir)).filter((f) => /^part-.*\.csv$/.test(f))) {
      const lines = readFileSync(join(root, dir, file), 'utf8')
        .split('\n')
        .slice(1);
      for (const line of lines.filter((l) => l !== '')) {
        const [date, ...cells] = line.split(',');
        rows.push([date as string, ...cells.map((c) => (c === '' ? null : Number(c)))]);
      }
    }
    rows.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
    out.set(dir.slice('symbol='.length), rows);
  }
  return out;
}
