import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../../core/config/configError.ts';
import { ENVIRONMENTS } from '../../core/config/configTypes.ts';
import { PriceTableError } from '../../core/cost/priceTable.ts';
import { PriceCsvError } from '../../core/market/priceBar.ts';
import { SourceUnavailableError } from '../../core/ports/priceSource.ts';
import { calendarCommand } from '../commands/calendarCommand.ts';
import { compactCommand } from '../commands/compactCommand.ts';
import { configShowCommand, configValidateCommand } from '../commands/configCommands.ts';
import { costEstimateCommand } from '../commands/costCommand.ts';
import { dagsExportCommand, dagsValidateCommand } from '../commands/dagsCommands.ts';
import { drDrillCommand, drRebuildCommand } from '../commands/drCommand.ts';
import { evaluateCommand } from '../commands/evaluateCommand.ts';
import { gateCommand } from '../commands/gateCommand.ts';
import { ingestCommand } from '../commands/ingestCommand.ts';
import { monitorCommand } from '../commands/monitorCommand.ts';
import { predictCommand } from '../commands/predictCommand.ts';
import {
  type RegistryChangeOptions,
  registryApprovalCommand,
  registryChampionCommand,
  registryListCommand,
} from '../commands/registryCommands.ts';
import { reportCommand } from '../commands/reportCommand.ts';
import { runCommand } from '../commands/runCommand.ts';
import { serveCommand } from '../commands/serveCommand.ts';
import { trainCommand } from '../commands/trainCommand.ts';
import { tuneCommand } from '../commands/tuneCommand.ts';
import { validateCommand } from '../commands/validateCommand.ts';
import { EXIT_FAILED, EXIT_USAGE, UsageError } from './cliErrors.ts';
import type { CommonOptions } from './commandContext.ts';

/** The `stockops` command tree. Each action returns its exit code; nothing here exits. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('stockops')
    .description('GitOps ML pipeline for daily stock-price forecasting (local or AWS)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const withCommon = (cmd: Command) =>
    cmd
      .option('--config <dir>', 'config directory', 'config')
      .addOption(
        new Option('--env <env>', 'environment overlay').choices(ENVIRONMENTS).default('local'),
      )
      .exitOverride();
  const withData = (cmd: Command) =>
    withCommon(cmd)
      .option('--symbols <list>', 'comma-separated tickers (overrides config symbols)')
      .option('--source <spec>', 'yahoo or csv:DIR (overrides config data.source)')
      .option('--store <dir>', 'object store root (overrides config store.root)');
  const act =
    <O>(fn: (options: O) => number | Promise<number>) =>
    async (options: O) =>
      setExitCode(await fn(options));

  withData(program.command('run'))
    .description(
      'run the pipeline spec (default dags/pipelines/daily.yaml) under the local runner: ingest → validate → features → evaluate → train → gate → register',
    )
    .option('--json', 'print the run summary (stockops.run-summary/v2) as the last stdout line')
    .option('--until <date>', 'last session to load (default: today in New York)')
    .option('--spec <file>', 'another pipeline spec (dags/pipelines/*.yaml) to run')
    .option(
      '--resume <runId>',
      "re-run a run's failed and blocked tasks only (runs/<id>/state.json)",
    )
    .action(act(runCommand));

  withData(program.command('ingest'))
    .description(
      'resumable backfill of raw + curated bars (skips complete sessions; retries; --store DIR or s3://BUCKET/PREFIX)',
    )
    .option('--from <date>', 'first session (default: config data.start_date)')
    .requiredOption('--to <date>', 'last session (cut at the last close)')
    .option('--force', 're-fetch complete sessions; only changed bytes are rewritten')
    .action(act(ingestCommand));

  withData(program.command('compact'))
    .description(
      'fold finished months of raw/ daily objects into one raw-monthly/ object each (verified before any day is deleted), or --restore a month',
    )
    .option('--before <YYYY-MM>', 'compact every month before this one (finished months only)')
    .option('--restore <YYYY-MM>', "write a compacted month's days back to raw/, byte-identical")
    .option('--dry-run', 'list what would be compacted; write and delete nothing')
    .option('--json', 'print the summary and each month as JSON')
    .action(act(compactCommand));

  withData(program.command('validate'))
    .description('run the data-quality checks on a source and print the report (writes nothing)')
    .option('--json', 'print each report as one JSON line')
    .action(act(validateCommand));

  withData(program.command('train'))
    .description('fit the LSTM on the curated data in the store and write its model directory')
    .option('--out <dir>', 'also write the model directory here')
    .action(act(trainCommand));

  withData(program.command('evaluate'))
    .description('walk-forward evaluation of the baselines and the LSTM on the curated data')
    .option('--out <file>', 'also write evaluation.json here (for stockops gate)')
    .option('--json', 'print each evaluation as one JSON line')
    .action(act(evaluateCommand));

  withData(program.command('tune'))
    .description('random search of config tuning.ranges, scored walk-forward (never the hold-out)')
    .option('--trials <n>', 'trials to run (default: config tuning.trials)')
    .option('--seed <n>', 'search seed (default: config model.seed)')
    .action(act(tuneCommand));

  withData(program.command('monitor'))
    .description(
      "drift of each symbol's champion (PSI, KS, realised error vs the best baseline): report, metrics, alerts, retrain trigger",
    )
    .option('--as-of <date>', 'session to monitor (default: the last curated one)')
    .option('--retrain', 'run the daily pipeline for symbols whose trigger fired')
    .option(
      '--alerts <sink>',
      'local (alert log + stderr, default) or sns (STOCKOPS_ALERT_TOPIC_*)',
    )
    .option(
      '--metrics <file>',
      'EMF metrics file, - for stdout, off (default <store>/logs/monitor-metrics.emf.jsonl)',
    )
    .option('--json', 'print the outcome (stockops.monitor-run/v1) as the last stdout line')
    .action(act(monitorCommand));

  withCommon(program.command('gate'))
    .description('decide whether a candidate may be promoted: exit 0 approve, 1 reject')
    .requiredOption('--candidate <file>', "the candidate's evaluation.json")
    .option('--champion <file>', "the current champion's evaluation.json, on the same data")
    .option(
      '--champion-model <name>',
      'the champion model in that file (default: its candidate, else its best baseline)',
    )
    .option(
      '--data-to <date>',
      'last session of the current data; an evaluation ending on another date is rejected',
    )
    .option('--json', 'print the decision (stockops.gate-decision/v1) as one JSON line')
    .action(act(gateCommand));

  withCommon(program.command('serve'))
    .description(
      'serve forecasts over HTTP (SageMaker contract): the champion, optionally an A/B challenger',
    )
    .option('--store <dir>', 'object store root (overrides config store.root)')
    .option('--symbol <ticker>', 'model package group to serve (default: the config symbol)')
    .option('--port <n>', 'port, 0 for a free one (default 8080)')
    .option(
      '--host <address>',
      'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)',
    )
    .option(
      '--challenger <version>',
      'a registry version served beside the champion (variant "challenger")',
    )
    .option('--weights <list>', 'champion,challenger traffic weights (default 0.9,0.1)')
    .option(
      '--metrics <file>',
      'EMF metrics file, - for stdout, off (default <store>/logs/serving-metrics.emf.jsonl)',
    )
    .action(act(serveCommand));

  withCommon(program.command('predict'))
    .description('batch predictions with Batch Transform semantics: one <file>.out per input file')
    .requiredOption('--input <dir>', 'input files: every file under it (.csv, .json)')
    .requiredOption('--output <dir>', 'where <file>.out are written (not inside --input)')
    .option('--store <dir>', 'object store root (overrides config store.root)')
    .option('--symbol <ticker>', 'model package group (default: the config symbol)')
    .option('--version <n>', 'registry version to run (default: the champion)')
    .option('--content-type <type>', 'text/csv or application/json (default: by file extension)')
    .option('--accept <type>', "output content type (default: the input's)")
    .option(
      '--split-type <type>',
      'None (a file is one request, default) or Line (a record per line)',
    )
    .option(
      '--batch-strategy <strategy>',
      'MultiRecord (default) or SingleRecord, with --split-type Line',
    )
    .option('--max-payload-mb <n>', 'largest request in MB, 1 to 6 (default 6)')
    .action(act(predictCommand));

  const registry = program
    .command('registry')
    .description('the local model registry: list versions, set the champion, approve or reject');
  withData(registry.command('list'))
    .description('every version of each symbol: status, metrics, data range; * marks the champion')
    .option('--json', 'one JSON line per symbol')
    .action(act(registryListCommand));
  withData(registry.command('champion'))
    .description('point the endpoint at another Approved version (the local rollback)')
    .requiredOption('--symbol <symbol>', 'the group (ticker)')
    .requiredOption('--version <n>', 'an Approved version')
    .requiredOption('--reason <text>', 'why; recorded with the pointer')
    .action(act(registryChampionCommand));
  for (const [name, status] of [
    ['approve', 'Approved'],
    ['reject', 'Rejected'],
  ] as const) {
    withData(registry.command(name))
      .description(
        name === 'approve'
          ? 'approve a version (a person overruling a rejecting gate)'
          : 'reject a version (revoking the champion clears the pointer)',
      )
      .requiredOption('--symbol <symbol>', 'the group (ticker)')
      .requiredOption('--version <n>', 'the version')
      .requiredOption('--reason <text>', 'why; recorded in the status history')
      .action(act((o: RegistryChangeOptions) => registryApprovalCommand({ ...o, status })));
  }

  withCommon(program.command('report'))
    .description("(re)write a stored run's HTML report and Markdown summary (runs/<id>/report.*)")
    .requiredOption('--run <runId>', 'the run id (a folder under runs/ in the store)')
    .option('--store <dir>', 'object store root (overrides config store.root)')
    .option('--markdown', 'also print the Markdown summary on stdout')
    .action(act(reportCommand));

  const config = program.command('config').description('validate or show the configuration');
  config
    .command('validate')
    .description('validate config/base.yaml with an overlay (all four when --env is not given)')
    .option('--config <dir>', 'config directory', 'config')
    .addOption(new Option('--env <env>', 'environment overlay').choices(ENVIRONMENTS))
    .exitOverride()
    .action(act(configValidateCommand));
  withCommon(config.command('show'))
    .description('print the effective merged config of an environment')
    .option('--json', 'as JSON instead of YAML')
    .action(act(configShowCommand));

  const dags = program
    .command('dags')
    .description('check or export the pipeline specs (dags/pipelines/*.yaml)');
  withCommon(dags.command('validate'))
    .argument('[dir]', 'directory of pipeline specs (default dags/pipelines)')
    .description(
      'check every spec: schema, dependencies, cron, time zone, params; exit 2 on errors',
    )
    .action(async (dir: string | undefined, options: CommonOptions) =>
      setExitCode(dagsValidateCommand(dir, options)),
    );
  withCommon(dags.command('export'))
    .argument('[dir]', 'directory of pipeline specs (default dags/pipelines)')
    .description('print the task graphs (stockops.task-graph/v1) as JSON, for the parity test')
    .action(async (dir: string | undefined, options: CommonOptions) =>
      setExitCode(dagsExportCommand(dir, options)),
    );

  const cost = program.command('cost').description('estimate what an environment costs in AWS');
  withCommon(cost.command('estimate'))
    .description(
      'monthly estimate per service from the config and the dated price table in config/prices/, with its assumptions',
    )
    .option('--json', 'print the estimate (stockops.cost-estimate/v1) as JSON')
    .action(act(costEstimateCommand));

  const dr = program
    .command('dr')
    .description('disaster recovery (docs/runbooks/disaster-recovery.md)');
  withCommon(dr.command('drill'))
    .description(
      'copy the store to a scratch directory, delete curated data, features and the registry there, rebuild them from raw/ and lineage/ alone and compare; exit 1 on any mismatch',
    )
    .option('--store <dir>', 'the store to drill on, only read (overrides config store.root)')
    .option('--scratch <dir>', 'an empty directory for the scratch copy (default: a new temp dir)')
    .option('--json', 'print the drill report as one JSON line')
    .action(act(drDrillCommand));
  withCommon(dr.command('rebuild'))
    .description(
      "the recovery: copy the store's primary data (raw/, lineage/, runs/, …) to --out and rebuild curated data, features and the registry there; exit 1 on any problem",
    )
    .option('--store <dir>', 'the store to recover from, only read (overrides config store.root)')
    .requiredOption('--out <dir>', 'an empty directory for the rebuilt store')
    .action(act(drRebuildCommand));

  withCommon(program.command('calendar'))
    .description("print a year's NYSE holidays, early closes and session count")
    .option('--year <year>', 'year from 1997 to 2030', String(new Date().getUTCFullYear()))
    .action(act(calendarCommand));

  return program;
}

/** Runs the CLI; returns the exit code. User mistakes get one line and no stack trace. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help) already.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.format()}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof PriceTableError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof UsageError || error instanceof PriceCsvError) {
    process.stderr.write(`stockops: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof SourceUnavailableError) {
    process.stderr.write(`stockops: ${error.message}\n`);
    return EXIT_FAILED;
  }
  const e = error as Error;
  process.stderr.write(
    process.env.STOCKOPS_DEBUG
      ? `${e.stack}\n`
      : `stockops: ${e.message} (STOCKOPS_DEBUG=1 for a stack trace)\n`,
  );
  return EXIT_FAILED;
}
