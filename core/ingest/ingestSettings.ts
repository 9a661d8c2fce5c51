import {
  DEFAULT_POLICIES,
  type PolicySettings,
  policySettings,
  type ResilienceConfig,
} from '../resilience/policySettings.ts';
import { DEFAULT_INGEST_QUALITY, type IngestQuality } from './ingestChunk.ts';
import { IngestEventError, parseTickers } from './ingestEvent.ts';

export type StoreSetting =
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint?: string;
      readonly forcePathStyle: boolean;
      readonly region?: string;
    }
  | { readonly kind: 'file'; readonly dir: string };

/** Everything the ingest Lambda reads from its environment. */
export interface IngestSettings {
  readonly env: string;
  readonly store: StoreSetting;
  readonly symbols: readonly string[];
  readonly yahoo: { readonly baseUrl: string; readonly timeoutMs: number };
  /** The resilience policies of the calls the handler makes (config resilience.*). */
  readonly policies: IngestPolicies;
  /** The same, as the config section (what the AWS client factory takes). */
  readonly resilience: ResilienceConfig;
  readonly quality: IngestQuality;
  readonly metricsNamespace: string;
  /** Stop starting chunks when less than this is left of the Lambda's time. */
  readonly safetyMarginMs: number;
}

export interface IngestPolicies {
  readonly yahoo: PolicySettings;
  readonly s3: PolicySettings;
  readonly sns: PolicySettings;
}

/** The environment variables the handler reads, with what each one means (for docs and errors). */
export const INGEST_ENV = {
  STOCKOPS_BUCKET: 'S3 bucket of raw/ and curated/ (in AWS)',
  STOCKOPS_PREFIX: 'key prefix inside the bucket (optional)',
  STOCKOPS_STORE_DIR: 'a local directory instead of S3 (tests, local runs)',
  STOCKOPS_S3_ENDPOINT: 'a non-AWS S3 endpoint such as moto (http://localhost:PORT)',
  STOCKOPS_S3_FORCE_PATH_STYLE: 'true for path-style S3 URLs (moto, MinIO)',
  STOCKOPS_SYMBOLS: 'comma-separated tickers a scheduled event loads when it names none',
  STOCKOPS_ENV: 'environment name, a metrics dimension (local, dev, staging, prod)',
  STOCKOPS_YAHOO_BASE_URL: 'Yahoo chart API base URL (default https://query2.finance.yahoo.com)',
  STOCKOPS_YAHOO_TIMEOUT_MS: 'per-request timeout of the Yahoo source (default 15000)',
  STOCKOPS_RESILIENCE:
    'JSON of the config\'s resilience section (yahoo, s3, sns), e.g. {"yahoo":{"max_attempts":4}}',
  STOCKOPS_ALERT_TOPIC_PIPELINE_FAILURE:
    'SNS topic ARN per alert type (all four _PIPELINE_FAILURE, _DATA_QUALITY, _MODEL_DEGRADATION, _INFRASTRUCTURE); unset: alerts go to the alert log in the store',
  STOCKOPS_QUALITY: 'JSON of quality keys, e.g. {"max_daily_move":0.5}',
  STOCKOPS_METRICS_NAMESPACE: 'CloudWatch namespace of the EMF metrics (default stockops/ingest)',
  STOCKOPS_SAFETY_MARGIN_MS: 'time kept in reserve before the Lambda timeout (default 20000)',
} as const;

export const DEFAULT_YAHOO_BASE_URL = 'https://query2.finance.yahoo.com';
export const INGEST_NAMESPACE = 'stockops/ingest';

/** The Lambda's environment is wrong; the message lists every variable to fix. */
export class IngestConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function intVar(env: Env, name: keyof typeof INGEST_ENV, fallback: number, problems: string[]) {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    problems.push(`${name}=${JSON.stringify(text)}: expected a whole number of milliseconds`);
    return fallback;
  }
  return value;
}

function jsonVar(
  env: Env,
  name: keyof typeof INGEST_ENV,
  problems: string[],
): Record<string, unknown> {
  const text = env[name];
  if (text === undefined || text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  problems.push(`${name}=${JSON.stringify(text)}: expected a JSON object (${INGEST_ENV[name]})`);
  return {};
}

function qualityOf(raw: Record<string, unknown>, problems: string[]): IngestQuality {
  const pick = (key: string, fallback: number, ok: (n: number) => boolean) => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !ok(v)) {
      problems.push(`STOCKOPS_QUALITY ${key}: ${JSON.stringify(v)} is out of range`);
      return fallback;
    }
    return v;
  };
  return {
    maxDailyMove: pick('max_daily_move', DEFAULT_INGEST_QUALITY.maxDailyMove, (n) => n > 0),
    splitRatioTolerance: pick(
      'split_ratio_tolerance',
      DEFAULT_INGEST_QUALITY.splitRatioTolerance,
      (n) => n >= 0 && n < 0.5,
    ),
    maxMissingSessions: pick(
      'max_missing_sessions',
      DEFAULT_INGEST_QUALITY.maxMissingSessions,
      (n) => Number.isInteger(n) && n >= 0,
    ),
  };
}

/**
 * Reads the handler's settings from environment variables; throws one error listing every
 * variable that is wrong, with what it should hold.
 */
export function parseIngestEnv(env: Env): IngestSettings {
  const problems: string[] = [];
  let store: StoreSetting | undefined;
  const bucket = env.STOCKOPS_BUCKET?.trim();
  const dir = env.STOCKOPS_STORE_DIR?.trim();
  if (bucket && dir) {
    problems.push('set STOCKOPS_BUCKET (S3) or STOCKOPS_STORE_DIR (a local directory), not both');
  } else if (bucket) {
    const endpoint = env.STOCKOPS_S3_ENDPOINT?.trim();
    const region = env.AWS_REGION?.trim();
    store = {
      kind: 's3',
      bucket,
      prefix: (env.STOCKOPS_PREFIX ?? '').replace(/^\/+|\/+$/g, ''),
      forcePathStyle: env.STOCKOPS_S3_FORCE_PATH_STYLE === 'true',
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
    };
  } else if (dir) {
    store = { kind: 'file', dir };
  } else {
    problems.push(
      'no store: set STOCKOPS_BUCKET to the data bucket (or STOCKOPS_STORE_DIR to a local directory)',
    );
  }
  let symbols: string[] = [];
  try {
    symbols = parseTickers(env.STOCKOPS_SYMBOLS ?? '', 'STOCKOPS_SYMBOLS');
  } catch (error) {
    if (!(error instanceof IngestEventError)) throw error;
    problems.push(`${error.message} (the symbols a scheduled event loads)`);
  }
  const baseUrl = env.STOCKOPS_YAHOO_BASE_URL?.trim() || DEFAULT_YAHOO_BASE_URL;
  if (!/^https?:\/\/\S+$/.test(baseUrl)) {
    problems.push(`STOCKOPS_YAHOO_BASE_URL=${JSON.stringify(baseUrl)}: expected an http(s) URL`);
  }
  const timeoutMs = intVar(env, 'STOCKOPS_YAHOO_TIMEOUT_MS', 15_000, problems);
  if (env.STOCKOPS_RETRY !== undefined) {
    problems.push(
      'STOCKOPS_RETRY is no longer read: put its keys under "yahoo" in STOCKOPS_RESILIENCE ' +
        '(config data.yahoo.retry moved to resilience.yahoo)',
    );
  }
  const resilience = jsonVar(env, 'STOCKOPS_RESILIENCE', problems) as ResilienceConfig;
  const policy = (name: keyof IngestPolicies): PolicySettings => {
    try {
      return policySettings(name, resilience);
    } catch (error) {
      problems.push(`STOCKOPS_RESILIENCE: ${(error as Error).message}`);
      return DEFAULT_POLICIES[name];
    }
  };
  const policies: IngestPolicies = { yahoo: policy('yahoo'), s3: policy('s3'), sns: policy('sns') };
  const quality = qualityOf(jsonVar(env, 'STOCKOPS_QUALITY', problems), problems);
  const safetyMarginMs = intVar(env, 'STOCKOPS_SAFETY_MARGIN_MS', 20_000, problems);
  if (problems.length > 0 || !store) {
    throw new IngestConfigError(`ingest configuration: ${problems.join('; ')}`);
  }
  return {
    env: env.STOCKOPS_ENV?.trim() || 'local',
    store,
    symbols,
    yahoo: { baseUrl, timeoutMs },
    policies,
    resilience,
    quality,
    metricsNamespace: env.STOCKOPS_METRICS_NAMESPACE?.trim() || INGEST_NAMESPACE,
    safetyMarginMs,
  };
}
