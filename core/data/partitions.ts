import type { IsoDate } from '../market/isoDate.ts';

/**
 * The storage layout of DESIGN.md §3. raw/ holds exactly what a source returned, one object
 * per symbol per trading day; raw-monthly/ holds finished months of raw/ compacted into one
 * object each (`stockops compact`); curated/ holds validated bars, one CSV per symbol per month.
 */
export function rawBarKey(source: string, symbol: string, date: IsoDate, ext: string): string {
  const [y, m, d] = date.split('-');
  return `raw/source=${source}/symbol=${symbol}/year=${y}/month=${m}/day=${d}/bar.${ext}`;
}

/** The raw/ objects of one symbol's month: `raw/source=S/symbol=X/year=Y/month=M/`. */
export function rawMonthPrefix(source: string, symbol: string, yearMonth: string): string {
  const [y, m] = yearMonth.split('-');
  return `${rawPrefix(source, symbol)}year=${y}/month=${m}/`;
}

/** One compacted month of raw/ objects, every day's bytes with its sha256 (JSON lines). */
export function rawMonthlyKey(source: string, symbol: string, yearMonth: string): string {
  const [y, m] = yearMonth.split('-');
  return `${rawMonthlyPrefix(source, symbol)}year=${y}/month=${m}/bars.jsonl`;
}

export function rawMonthlyPrefix(source: string, symbol: string): string {
  return `raw-monthly/source=${source}/symbol=${symbol}/`;
}

export function curatedMonthKey(symbol: string, yearMonth: string): string {
  const [y, m] = yearMonth.split('-');
  return `curated/symbol=${symbol}/year=${y}/month=${m}/bars.csv`;
}

export function curatedPrefix(symbol: string): string {
  return `curated/symbol=${symbol}/`;
}

export function qualityReportKey(symbol: string): string {
  return `reports/quality/symbol=${symbol}/quality.json`;
}

export function runSummaryKey(runId: string): string {
  return `runs/${runId}/summary.json`;
}

export function evaluationKey(runId: string, symbol: string): string {
  return `runs/${runId}/evaluation/symbol=${symbol}/evaluation.json`;
}

export function rawPrefix(source: string, symbol: string): string {
  return `raw/source=${source}/symbol=${symbol}/`;
}

export function featuresKey(symbol: string): string {
  return `features/symbol=${symbol}/features.csv`;
}

export function gateDecisionKey(runId: string, symbol: string): string {
  return `runs/${runId}/gate/symbol=${symbol}/decision.json`;
}

/** The bars a run's ingest fetched, for its validate task (tasks pass data through the store). */
export function stagingBarsKey(runId: string, symbol: string): string {
  return `runs/${runId}/staging/symbol=${symbol}/bars.csv`;
}

/** The models a run's train task fitted, for its register task. */
export function trainedModelsPrefix(runId: string, symbol: string): string {
  return `runs/${runId}/models/symbol=${symbol}/`;
}

/** Per-symbol progress of a daily run, so a resumed run picks up where it stopped. */
export function dailyStateKey(runId: string): string {
  return `runs/${runId}/daily.json`;
}

export function runReportHtmlKey(runId: string): string {
  return `runs/${runId}/report.html`;
}

export function runReportMarkdownKey(runId: string): string {
  return `runs/${runId}/report.md`;
}

/**
 * The effective config a run used, as canonical JSON, under its hash: derived data (features,
 * models) is rebuilt with exactly these settings, whatever the checkout's config says now.
 */
export function lineageConfigKey(configHash: string): string {
  return `lineage/config/sha256=${configHash}.json`;
}

/** What features/symbol=X/features.csv was last built from (stockops.features-lineage/v1). */
export function lineageFeaturesKey(symbol: string): string {
  return `lineage/features/symbol=${symbol}.json`;
}

export const LINEAGE_PREFIX = 'lineage/';
