import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import type { ChartRenderer } from '../../core/ports/chartRenderer.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { ReportInputError, writeRunReport } from '../../core/report/runReportFiles.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

export interface ReportOptions extends CommonOptions {
  readonly run: string;
  readonly store?: string;
  /** Print the Markdown summary on stdout (for a job summary or a PR comment). */
  readonly markdown?: boolean;
}

const RUN_ID = /^[A-Za-z0-9._=+-]+$/;

/**
 * The vega renderer, imported on first use: vega and vega-lite take about half a second to load,
 * which every other command (and the CLI's --help) should not pay.
 */
export async function vegaRenderer(): Promise<ChartRenderer> {
  const { VegaSvgRenderer } = await import('../../adapters/charts/vegaSvgRenderer.ts');
  return new VegaSvgRenderer();
}

/** Writes a run's report and says where; shared by `stockops run` and `stockops report`. */
export async function writeReportFor(
  store: ObjectStore,
  runId: string,
  log: (line: string) => void,
): Promise<string> {
  const written = await writeRunReport(store, runId, await vegaRenderer());
  log(
    `report ${written.htmlKey} (${(written.htmlBytes / 1024).toFixed(0)} KiB), ${written.markdownKey}`,
  );
  return written.markdown;
}

/** `stockops report --run RUN_ID`: (re)writes runs/<id>/report.html and report.md. */
export async function reportCommand(options: ReportOptions): Promise<number> {
  if (!RUN_ID.test(options.run)) {
    throw new UsageError(
      `--run: expected a run id such as 20260612T221500Z-a1b2c3 (got "${options.run}")`,
    );
  }
  const { config } = loadConfig({ dir: options.config, env: options.env });
  const store = new FileObjectStore(options.store ?? config.store.root);
  try {
    const markdown = await writeReportFor(store, options.run, (line) =>
      process.stderr.write(`${line}\n`),
    );
    if (options.markdown) process.stdout.write(markdown);
  } catch (error) {
    if (error instanceof ReportInputError) throw new UsageError(error.message);
    throw error;
  }
  return EXIT_OK;
}
