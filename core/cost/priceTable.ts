import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { ConfigIssue } from '../config/configError.ts';

/**
 * A dated table of on-demand prices (`config/prices/<region>.<YYYY-MM>.yaml`): what
 * `stockops cost estimate` multiplies usage by. Keys mirror the YAML (snake_case).
 */
export interface PriceTable {
  readonly region: string;
  readonly currency: 'USD';
  /** `YYYY-MM-DD`: when the prices were read from their sources. */
  readonly retrieved: string;
  readonly hours_per_month: number;
  readonly mwaa: PriceSection & {
    readonly environment_hourly: Readonly<Record<string, number>>;
    readonly additional_worker_hourly: Readonly<Record<string, number>>;
    readonly metadata_db_gb_month: number;
  };
  readonly sagemaker: PriceSection & {
    readonly training_hourly: Readonly<Record<string, number>>;
    readonly hosting_hourly: Readonly<Record<string, number>>;
    readonly transform_hourly: Readonly<Record<string, number>>;
    readonly serverless_gb_second: number;
    readonly serverless_data_gb: number;
    readonly spot_price_fraction: number;
  };
  readonly s3: PriceSection & {
    readonly standard_gb_month: number;
    readonly put_per_1000: number;
    readonly get_per_1000: number;
  };
  readonly lambda: PriceSection & {
    readonly requests_per_million: number;
    readonly arm_gb_second: number;
  };
  readonly emr_serverless: PriceSection & {
    readonly arm_vcpu_hour: number;
    readonly arm_gb_hour: number;
  };
  readonly cloudwatch: PriceSection & {
    readonly alarm_month: number;
    readonly dashboard_month: number;
    readonly logs_ingest_gb: number;
    readonly logs_store_gb_month: number;
  };
  readonly sns: PriceSection & {
    readonly publish_per_million: number;
    readonly email_per_100000: number;
  };
  readonly vpc: PriceSection & {
    readonly interface_endpoint_az_hour: number;
    readonly nat_gateway_hour: number;
  };
  readonly kms: PriceSection & { readonly key_month: number };
}

export interface PriceSection {
  /** The AWS pricing page the figures come from. */
  readonly source: string;
  /** Other public pages that state the same figures. */
  readonly checked_against?: readonly string[];
  /** Fields (or map keys) no second page confirmed. */
  readonly unconfirmed?: readonly string[];
}

/** A bad price table: one issue per problem, each with file, line, column and field. */
export class PriceTableError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`).join('\n'));
    this.name = 'PriceTableError';
    this.issues = issues;
  }
}

type FieldKind = 'number' | 'prices';
const SECTIONS: Record<string, Record<string, FieldKind>> = {
  mwaa: {
    environment_hourly: 'prices',
    additional_worker_hourly: 'prices',
    metadata_db_gb_month: 'number',
  },
  sagemaker: {
    training_hourly: 'prices',
    hosting_hourly: 'prices',
    transform_hourly: 'prices',
    serverless_gb_second: 'number',
    serverless_data_gb: 'number',
    spot_price_fraction: 'number',
  },
  s3: { standard_gb_month: 'number', put_per_1000: 'number', get_per_1000: 'number' },
  lambda: { requests_per_million: 'number', arm_gb_second: 'number' },
  emr_serverless: { arm_vcpu_hour: 'number', arm_gb_hour: 'number' },
  cloudwatch: {
    alarm_month: 'number',
    dashboard_month: 'number',
    logs_ingest_gb: 'number',
    logs_store_gb_month: 'number',
  },
  sns: { publish_per_million: 'number', email_per_100000: 'number' },
  vpc: { interface_endpoint_az_hour: 'number', nat_gateway_hour: 'number' },
  kms: { key_month: 'number' },
};

/**
 * Parses and checks a price table: every section, its `source` URL, every price a number at
 * least 0, `retrieved` a date, and the region the config deploys to. Throws PriceTableError.
 */
export function parsePriceTable(text: string, file: string, region: string): PriceTable {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const issues: ConfigIssue[] = [];
  const at = (node: Node | undefined | null, path: string, message: string) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    issues.push({ file, line, column: col, path, message });
  };
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    issues.push({ file, line, column: col, path: '(yaml)', message: error.message });
  }
  if (issues.length > 0) throw new PriceTableError(issues);
  const root = doc.contents;
  if (!isMap(root)) {
    at(root, '(root)', 'expected a mapping of price sections');
    throw new PriceTableError(issues);
  }
  const value = doc.toJS() as Record<string, unknown>;
  const node = (path: string[]) => doc.getIn(path, true) as Node | undefined;
  const isPrice = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

  if (value.region !== region) {
    at(
      node(['region']) ?? root,
      'region',
      `prices are for ${JSON.stringify(value.region)}, the config deploys to ${region}`,
    );
  }
  if (value.currency !== 'USD') at(node(['currency']) ?? root, 'currency', 'expected USD');
  if (typeof value.retrieved !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.retrieved)) {
    at(
      node(['retrieved']) ?? root,
      'retrieved',
      'expected the date the prices were read, "YYYY-MM-DD"',
    );
  }
  if (!isPrice(value.hours_per_month) || (value.hours_per_month as number) <= 0) {
    at(node(['hours_per_month']) ?? root, 'hours_per_month', 'expected a number above 0 (730)');
  }
  for (const [section, fields] of Object.entries(SECTIONS)) {
    const s = value[section] as Record<string, unknown> | undefined;
    if (s === undefined || s === null || typeof s !== 'object') {
      at(root, section, 'section is missing');
      continue;
    }
    if (typeof s.source !== 'string' || !s.source.startsWith('https://')) {
      at(
        node([section, 'source']) ?? node([section]),
        `${section}.source`,
        'expected the https:// page the prices come from',
      );
    }
    for (const [field, kind] of Object.entries(fields)) {
      const v = s[field];
      const where = node([section, field]) ?? node([section]);
      const path = `${section}.${field}`;
      if (kind === 'number') {
        if (!isPrice(v))
          at(where, path, `expected a price, a number at least 0 (got ${JSON.stringify(v)})`);
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        at(where, path, 'expected a mapping of instance type or class to price');
        continue;
      }
      for (const [key, price] of Object.entries(v)) {
        if (!isPrice(price)) {
          const n = node([section, field, key]);
          at(
            n ?? where,
            `${path}.${key}`,
            `expected a price, a number at least 0 (got ${JSON.stringify(price)})`,
          );
        }
      }
    }
  }
  for (const key of Object.keys(value)) {
    if (
      !(key in SECTIONS) &&
      !['region', 'currency', 'retrieved', 'hours_per_month'].includes(key)
    ) {
      const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
      at((pair?.key as Node | undefined) ?? root, key, 'unknown section');
    }
  }
  if (issues.length > 0) throw new PriceTableError(issues);
  return value as unknown as PriceTable;
}

/** `mwaa mw1.micro`, …: the prices no second page confirmed, for the estimate's caveats. */
export function unconfirmedPrices(table: PriceTable): string[] {
  return Object.keys(SECTIONS).flatMap((section) =>
    ((table[section as keyof PriceTable] as PriceSection).unconfirmed ?? []).map(
      (field) => `${section} ${field}`,
    ),
  );
}
