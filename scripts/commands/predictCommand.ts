import {
  type Dirent,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import {
  assemble,
  type BatchStrategy,
  miniBatches,
  type SplitType,
} from '../../core/serving/batchRecords.ts';
import { invoke, type ServedVariant } from '../../core/serving/invocation.ts';
import {
  CSV_TYPE,
  JSON_TYPE,
  type MediaType,
  mediaTypeOf,
} from '../../core/serving/invocationError.ts';
import { servingModelFromRegistry } from '../../core/serving/registryModels.ts';
import { modelLabel } from '../../core/serving/servingModel.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import {
  packageToServe,
  parseVersion,
  type RegistryOptions,
  servingContext,
} from '../cli/servingContext.ts';

export interface PredictOptions extends RegistryOptions {
  /** Every file under it (recursively, dotfiles aside) is one input, as an S3 prefix is. */
  readonly input: string;
  /** `<relative path>.out` per input file. */
  readonly output: string;
  /** A registry version; default the champion. */
  readonly version?: string;
  /** Default by extension: .csv text/csv, .json application/json. */
  readonly contentType?: string;
  /** Default: the input's content type. */
  readonly accept?: string;
  /** None (default): a file is one request; Line: one record per line. */
  readonly splitType?: string;
  readonly batchStrategy?: string;
  /** 1–6, default 6. */
  readonly maxPayloadMb?: string;
}

/** Where the command reports: one line per output file (out), the model and failures (err). */
export interface PredictIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** The variant name a batch job's answers carry: SageMaker's default variant name. */
const BATCH_VARIANT = 'AllTraffic';

/**
 * `stockops predict`: Batch Transform on this machine. Each input file is cut into requests
 * as a transform job would cut it (SplitType, BatchStrategy, MaxPayloadInMB), each request
 * runs through the same invocation code as the endpoint, and the answers are assembled into
 * `<output>/<file>.out` in the accepted content type. A file whose request fails gets no
 * output; the command then exits 1 and names each failure (a transform job fails too).
 */
export async function predictCommand(
  options: PredictOptions,
  io: PredictIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
): Promise<number> {
  const input = resolve(options.input);
  const output = resolve(options.output);
  if (output === input || output.startsWith(`${input}${sep}`)) {
    throw new UsageError(
      '--output must not be inside --input: outputs would be read as inputs next time',
    );
  }
  const splitType = choice(
    options.splitType ?? 'None',
    ['None', 'Line'],
    '--split-type',
  ) as SplitType;
  const batchStrategy = choice(
    options.batchStrategy ?? 'MultiRecord',
    ['MultiRecord', 'SingleRecord'],
    '--batch-strategy',
  ) as BatchStrategy;
  const maxPayloadMb = Number(options.maxPayloadMb ?? '6');
  if (!Number.isInteger(maxPayloadMb) || maxPayloadMb < 1 || maxPayloadMb > 6) {
    throw new UsageError(
      `--max-payload-mb: expected an integer from 1 to 6 (got "${options.maxPayloadMb}")`,
    );
  }
  const contentType =
    options.contentType === undefined
      ? undefined
      : mediaFlag(options.contentType, '--content-type');
  const accept = options.accept === undefined ? undefined : mediaFlag(options.accept, '--accept');
  const files = inputFiles(input);
  if (files.length === 0) throw new UsageError(`--input ${options.input}: no files to predict`);

  const ctx = servingContext(options);
  const version =
    options.version === undefined ? undefined : parseVersion(options.version, '--version');
  const pkg = await packageToServe(ctx, version, '--version');
  const { model } = await servingModelFromRegistry(
    ctx.registry,
    ctx.group,
    pkg.version,
    ctx.features,
  );
  const variant: ServedVariant = { name: BATCH_VARIANT, weight: 1, model };
  io.err(
    `predict: ${pkg.id} (${modelLabel(model)}), ${files.length} file(s), SplitType ${splitType}`,
  );

  const failures: string[] = [];
  for (const file of files) {
    const rel = relative(input, file);
    try {
      const type = contentType ?? typeByExtension(file);
      const batches = miniBatches(readFileSync(file, 'utf8'), {
        splitType,
        batchStrategy,
        maxPayloadBytes: maxPayloadMb * 1024 * 1024,
      });
      const answers: string[] = [];
      for (const body of batches) {
        const response = await invoke(variant, { body, contentType: type, accept: accept ?? type });
        if (response.status !== 200) {
          const message = (JSON.parse(response.body) as { error?: string }).error ?? response.body;
          throw new Error(`${response.status}: ${message}`);
        }
        answers.push(response.body);
      }
      const target = join(output, `${rel}.out`);
      mkdirSync(dirname(target), { recursive: true });
      // atomic: a half-written .out would pass for a result
      writeFileSync(`${target}.tmp-${process.pid}`, assemble(answers, splitType));
      renameSync(`${target}.tmp-${process.pid}`, target);
      io.out(
        `${rel} → ${shown(target)} (${batches.length} request${batches.length === 1 ? '' : 's'})`,
      );
    } catch (error) {
      failures.push(`${rel}: ${(error as Error).message}`);
    }
  }
  for (const failure of failures) io.err(`predict: failed ${failure}`);
  return failures.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/** Relative to the working directory when under it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

function inputFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(
        `--input ${d}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`,
      );
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

function typeByExtension(file: string): MediaType {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return CSV_TYPE;
  if (ext === '.json') return JSON_TYPE;
  throw new Error(
    `cannot tell its content type from "${ext || 'no extension'}": pass --content-type`,
  );
}

function mediaFlag(text: string, flag: string): MediaType {
  const type = mediaTypeOf(text);
  if (type === CSV_TYPE || type === JSON_TYPE) return type;
  throw new UsageError(`${flag}: expected ${CSV_TYPE} or ${JSON_TYPE} (got "${text}")`);
}

function choice(value: string, allowed: readonly string[], flag: string): string {
  if (!allowed.includes(value))
    throw new UsageError(`${flag}: expected ${allowed.join(' or ')} (got "${value}")`);
  return value;
}
