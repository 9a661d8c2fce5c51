import { canonicalJson } from '../config/canonicalJson.ts';
import type { StockopsConfig } from '../config/configTypes.ts';
import type { IsoDate } from '../market/isoDate.ts';

/**
 * The lineage records the pipeline writes under lineage/ beside the derived data they
 * describe, so that the derived data can be rebuilt from raw/ and lineage/ alone
 * (docs/runbooks/disaster-recovery.md). The registry's own records (package.json and
 * champion.json copies) are written by the registry adapter; see core/registry/registryKeys.ts.
 */

export const FEATURES_LINEAGE_SCHEMA = 'stockops.features-lineage/v1';

/** lineage/features/symbol=X.json: the bars and config features/symbol=X/features.csv came from. */
export interface FeaturesLineage {
  readonly schema: typeof FEATURES_LINEAGE_SCHEMA;
  readonly symbol: string;
  /** The features object this record describes. */
  readonly key: string;
  /** The curated bars it was built from: every curated bar of the symbol in [from, to]. */
  readonly data: { readonly from: IsoDate; readonly to: IsoDate; readonly bars: number };
  /** sha256 of the canonical effective config; its text is at lineageConfigKey(config_hash). */
  readonly config_hash: string;
  readonly run_id: string;
}

export function serializeFeaturesLineage(record: FeaturesLineage): string {
  const doc = {
    schema: record.schema,
    symbol: record.symbol,
    key: record.key,
    data: { from: record.data.from, to: record.data.to, bars: record.data.bars },
    config_hash: record.config_hash,
    run_id: record.run_id,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A lineage record that cannot be read or does not match what it describes. */
export class LineageRecordError extends Error {
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.name = 'LineageRecordError';
  }
}

export function parseFeaturesLineage(text: string, key: string): FeaturesLineage {
  const doc = parseObject(text, key);
  if (doc.schema !== FEATURES_LINEAGE_SCHEMA) {
    throw new LineageRecordError(
      key,
      `schema is ${JSON.stringify(doc.schema)}, expected "${FEATURES_LINEAGE_SCHEMA}"`,
    );
  }
  const str = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') {
      throw new LineageRecordError(key, `${field} is not a non-empty string`);
    }
    return value;
  };
  const data = doc.data as Record<string, unknown> | null | undefined;
  if (data === null || typeof data !== 'object') {
    throw new LineageRecordError(key, 'data is not an object');
  }
  const bars = data.bars;
  if (typeof bars !== 'number' || !Number.isSafeInteger(bars) || bars < 0) {
    throw new LineageRecordError(key, 'data.bars is not a whole number');
  }
  return {
    schema: FEATURES_LINEAGE_SCHEMA,
    symbol: str(doc.symbol, 'symbol'),
    key: str(doc.key, 'key'),
    data: { from: str(data.from, 'data.from'), to: str(data.to, 'data.to'), bars },
    config_hash: str(doc.config_hash, 'config_hash'),
    run_id: str(doc.run_id, 'run_id'),
  };
}

/** lineage/config/sha256=H.json: the canonical JSON whose sha256 is H. */
export function serializeConfigRecord(config: StockopsConfig): string {
  return `${canonicalJson(config)}\n`;
}

/**
 * The config recorded under `expectedHash`; throws when the text does not hash to it (an
 * edited record, or a run whose config hash was not the hash of its config).
 */
export function parseConfigRecord(
  text: string,
  key: string,
  expectedHash: string,
  hash: (text: string) => string,
): StockopsConfig {
  const doc = parseObject(text, key);
  const actual = hash(canonicalJson(doc));
  if (actual !== expectedHash) {
    throw new LineageRecordError(
      key,
      `its canonical JSON hashes to ${actual}, not the recorded config_hash ${expectedHash}: ` +
        'the record was edited, or the run recorded a hash of another config',
    );
  }
  return doc as unknown as StockopsConfig;
}

function parseObject(text: string, key: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LineageRecordError(key, `not JSON (${(error as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new LineageRecordError(key, 'is not a JSON object');
  }
  return doc as Record<string, unknown>;
}
