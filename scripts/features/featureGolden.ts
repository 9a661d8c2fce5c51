// The golden feature fixture (test/fixtures/features/golden.json): synthetic bars the project
// makes itself and the feature rows core/features computes from them. vitest regenerates it
// and compares with the committed file; processing/tests (pytest, PySpark local[1]) reproduce
// it with the Spark job. Both to 1e-9.
import type { AvgPriceFormula } from '../../core/features/avgPrice.ts';
import {
  buildFeatureTable,
  FEATURE_FILE_COLUMNS,
  FEATURE_VERSION,
  type FeatureOptions,
  featureRows,
} from '../../core/features/featureTable.ts';
import { addDays, type IsoDate } from '../../core/market/isoDate.ts';
import { isTradingDay } from '../../core/market/nyseCalendar.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { seededRandom } from '../../core/model/seededRandom.ts';

export const GOLDEN_FILE = 'test/fixtures/features/golden.json';
export const BAR_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

type Row = (string | number | null)[];

/** Options as the Spark job's flags name them (--avg-price, --volatility-window, …). */
export interface GoldenOptions {
  readonly avg_price: AvgPriceFormula;
  readonly volatility_window: number;
  readonly volume_window: number;
}

export interface GoldenCase {
  readonly name: string;
  readonly options: GoldenOptions;
  /** symbol → rows in `columns` order. */
  readonly features: Readonly<Record<string, Row[]>>;
}

export interface FeatureGolden {
  readonly schema: 'stockops.feature-golden/v1';
  readonly feature_version: number;
  readonly generator: string;
  readonly bar_columns: readonly string[];
  readonly columns: readonly string[];
  /** symbol → bars in `bar_columns` order. */
  readonly bars: Readonly<Record<string, Row[]>>;
  readonly cases: readonly GoldenCase[];
}

/**
 * A random walk on NYSE sessions with what makes implementations diverge: calendar gaps
 * (holidays, weekends: ROWS vs RANGE windows), unrounded prices, a zero-volume halt (log1p),
 * a run of identical volumes (zero std → no z-score) and a large one-day jump.
 */
export function goldenBars(count: number, from: IsoDate, seed: number, start: number): PriceBar[] {
  const rand = seededRandom(seed);
  const bars: PriceBar[] = [];
  let date = from;
  let close = start;
  while (bars.length < count) {
    if (isTradingDay(date)) {
      const i = bars.length;
      const jump = i === Math.floor(count / 3) ? 1.25 : 1;
      const open = close * (1 + (rand() - 0.5) * 0.02) * jump;
      close = open * (1 + (rand() - 0.5) * 0.04);
      const high = Math.max(open, close) * (1 + rand() * 0.015);
      const low = Math.min(open, close) * (1 - rand() * 0.015);
      const constant = i >= count - 30 && i < count - 5;
      const volume = i === 40 ? 0 : constant ? 2_000_000 : 500_000 + Math.floor(rand() * 3e6);
      bars.push({ date, open, high, low, close, adjClose: close, volume });
    }
    date = addDays(date, 1);
  }
  return bars;
}

const SYMBOLS: Readonly<Record<string, PriceBar[]>> = {
  // different lengths and start dates: a window that leaked across symbols would show
  SYNA: goldenBars(260, '2019-11-20', 7, 100),
  SYNB: goldenBars(140, '2020-03-02', 11, 3.5),
};

const CASES: readonly { name: string; options: GoldenOptions }[] = [
  {
    name: 'config defaults',
    options: { avg_price: '(high+low)/2', volatility_window: 20, volume_window: 20 },
  },
  {
    name: 'short windows, four-price average',
    options: { avg_price: '(open+high+low+close)/4', volatility_window: 5, volume_window: 3 },
  },
];

export function toFeatureOptions(o: GoldenOptions): FeatureOptions {
  return {
    avgPrice: o.avg_price,
    volatilityWindow: o.volatility_window,
    volumeWindow: o.volume_window,
  };
}

export function barRows(bars: readonly PriceBar[]): Row[] {
  return bars.map((b) => [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume]);
}

export function rowsToBars(rows: readonly Row[]): PriceBar[] {
  return rows.map(([date, open, high, low, close, adjClose, volume]) => ({
    date: String(date),
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    adjClose: Number(adjClose),
    volume: Number(volume),
  }));
}

/** The features of each symbol's bars under each options set, as golden rows. */
export function featureCases(
  bars: Readonly<Record<string, readonly PriceBar[]>>,
  cases: readonly { name: string; options: GoldenOptions }[],
): GoldenCase[] {
  return cases.map(({ name, options }) => ({
    name,
    options,
    features: Object.fromEntries(
      Object.entries(bars).map(([symbol, b]) => [
        symbol,
        featureRows(buildFeatureTable(b, toFeatureOptions(options))),
      ]),
    ),
  }));
}

export function featureGolden(): FeatureGolden {
  return {
    schema: 'stockops.feature-golden/v1',
    feature_version: FEATURE_VERSION,
    generator: 'node scripts/writeFeatureGolden.ts',
    bar_columns: BAR_COLUMNS,
    columns: FEATURE_FILE_COLUMNS,
    bars: Object.fromEntries(Object.entries(SYMBOLS).map(([s, b]) => [s, barRows(b)])),
    cases: featureCases(SYMBOLS, CASES),
  };
}

/** JSON with one row per line, so a change to the features reads as a small diff. */
export function formatGolden(golden: FeatureGolden): string {
  const rows = (r: readonly Row[], indent: string) =>
    `[\n${r.map((row) => `${indent}  ${JSON.stringify(row)}`).join(',\n')}\n${indent}]`;
  const bySymbol = (m: Readonly<Record<string, Row[]>>, indent: string) =>
    `{\n${Object.entries(m)
      .map(([s, r]) => `${indent}  ${JSON.stringify(s)}: ${rows(r, `${indent}  `)}`)
      .join(',\n')}\n${indent}}`;
  const head = [
    `  "schema": ${JSON.stringify(golden.schema)}`,
    `  "feature_version": ${golden.feature_version}`,
    `  "generator": ${JSON.stringify(golden.generator)}`,
    `  "bar_columns": ${JSON.stringify(golden.bar_columns)}`,
    `  "columns": ${JSON.stringify(golden.columns)}`,
    `  "bars": ${bySymbol(golden.bars, '  ')}`,
  ];
  const cases = golden.cases.map(
    (c) =>
      `    {\n      "name": ${JSON.stringify(c.name)},\n      "options": ${JSON.stringify(c.options)},\n      "features": ${bySymbol(c.features, '      ')}\n    }`,
  );
  return `{\n${[...head, `  "cases": [\n${cases.join(',\n')}\n  ]`].join(',\n')}\n}\n`;
}

/** Largest |a − b| over two row sets; Infinity when their shape, dates or null pattern differ. */
export function maxRowDiff(a: readonly Row[], b: readonly Row[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Row;
    const y = b[i] as Row;
    if (x.length !== y.length) return Number.POSITIVE_INFINITY;
    for (let c = 0; c < x.length; c++) {
      const u = x[c];
      const v = y[c];
      if (typeof u === 'number' && typeof v === 'number') max = Math.max(max, Math.abs(u - v));
      else if (u !== v) return Number.POSITIVE_INFINITY;
    }
  }
  return max;
}
