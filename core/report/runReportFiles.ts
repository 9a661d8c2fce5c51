import { runReportHtmlKey, runReportMarkdownKey, runSummaryKey } from '../data/partitions.ts';
import { EVALUATION_SCHEMA_V2, type Evaluation } from '../evaluate/evaluationTypes.ts';
import { GATE_DECISION_SCHEMA, type GateDecision } from '../gate/gateTypes.ts';
import { DRIFT_REPORT_SCHEMA, type DriftReport } from '../monitor/driftReport.ts';
import { RUN_SUMMARY_SCHEMA, type RunSummary } from '../pipeline/runSummary.ts';
import type { ChartRenderer } from '../ports/chartRenderer.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { buildRunReport, type RunReportInput, type SymbolReportInput } from './runReport.ts';

/** Thrown when a file the report reads is missing or is not what its schema says. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

/** Where `stockops monitor` writes a symbol's drift reports, one per as-of date. */
export function driftReportPrefix(symbol: string): string {
  return `monitor/${symbol}/drift/`;
}

/** A JSON object from the store, or undefined when absent; a clear error when unreadable. */
export async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ReportInputError(`${store.location}/${key}: not JSON (${(error as Error).message})`);
  }
}

/** `value` when its `schema` field is `expected`; otherwise an error naming file and field. */
function withSchema<T>(value: unknown, expected: string, where: string): T {
  const schema =
    value !== null && typeof value === 'object'
      ? (value as { schema?: unknown }).schema
      : undefined;
  if (schema !== expected) {
    throw new ReportInputError(
      `${where}: schema: expected ${expected}, got ${schema === undefined ? 'none' : JSON.stringify(schema)}`,
    );
  }
  return value as T;
}

async function readTyped<T>(
  store: ObjectStore,
  key: string | undefined,
  schema: string,
): Promise<T | undefined> {
  if (key === undefined) return undefined;
  const value = await readJson(store, key);
  return value === undefined ? undefined : withSchema<T>(value, schema, `${store.location}/${key}`);
}

/**
 * The latest drift report of a symbol whose as-of date is not after `upTo` (all of them when
 * upTo is undefined); undefined when the monitor has written none.
 */
export async function latestDriftReport(
  store: ObjectStore,
  symbol: string,
  upTo?: string,
): Promise<DriftReport | undefined> {
  const prefix = driftReportPrefix(symbol);
  const keys = (await store.list(prefix)).filter((k) => {
    const asOf = k.slice(prefix.length).replace(/\.json$/, '');
    return k.endsWith('.json') && !asOf.includes('/') && (upTo === undefined || asOf <= upTo);
  });
  const key = keys.sort().at(-1);
  return readTyped<DriftReport>(store, key, DRIFT_REPORT_SCHEMA);
}

/** Everything a run's report is drawn from, read back from the store. */
export async function loadRunReportInput(
  store: ObjectStore,
  runId: string,
): Promise<RunReportInput> {
  const summaryKey = runSummaryKey(runId);
  const summary = await readTyped<RunSummary>(store, summaryKey, RUN_SUMMARY_SCHEMA);
  if (!summary) {
    throw new ReportInputError(
      `${store.location}/${summaryKey}: no such run summary (is ${runId} a run of this store?)`,
    );
  }
  const symbols: SymbolReportInput[] = [];
  for (const symbol of summary.symbols) {
    const result = summary.results[symbol];
    const evaluation = await readTyped<Evaluation>(
      store,
      result?.paths.evaluation,
      EVALUATION_SCHEMA_V2,
    );
    const gate = await readTyped<GateDecision>(
      store,
      result?.paths.gate_decision,
      GATE_DECISION_SCHEMA,
    );
    const drift = await latestDriftReport(store, symbol, evaluation?.data.to);
    symbols.push({
      symbol,
      result,
      ...(evaluation ? { evaluation } : {}),
      ...(gate ? { gate } : {}),
      ...(drift ? { drift } : {}),
    });
  }
  return { summary, symbols };
}

export interface WrittenReport {
  readonly htmlKey: string;
  readonly markdownKey: string;
  readonly htmlBytes: number;
  readonly markdown: string;
}

/** (Re)writes runs/<id>/report.html and report.md from what the store holds for the run. */
export async function writeRunReport(
  store: ObjectStore,
  runId: string,
  renderer: ChartRenderer,
): Promise<WrittenReport> {
  const report = await buildRunReport(await loadRunReportInput(store, runId), renderer);
  const html = await store.put(runReportHtmlKey(runId), report.html);
  const md = await store.put(runReportMarkdownKey(runId), report.markdown);
  return {
    htmlKey: html.key,
    markdownKey: md.key,
    htmlBytes: html.size,
    markdown: report.markdown,
  };
}
