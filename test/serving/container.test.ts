import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { curatedMonthKey } from '../../core/data/partitions.ts';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { barsByMonth } from '../../core/ingest/curatedMonth.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { metricDefinitions } from '../../core/tuning/sagemakerTuning.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';
import { REPO, windowRows } from './servingFixtures.ts';

const tempDir = useTempDir('stockops-opt-ml-');
const ENTRY = join(REPO, 'training', 'container.ts');

/** SageMaker's way: every value a string; the tuner's own keys alongside. */
const HYPERPARAMETERS = {
  units: '4',
  window: '5',
  epochs: '2',
  batch_size: '32',
  learning_rate: '"0.01"',
  max_train_days: '120',
  volatility_window: '5',
  volume_window: '5',
  folds: '4',
  test_days: '30',
  gap_days: '2',
  holdout_days: '30',
  min_train_days: '100',
  _tuning_objective_metric: 'walkforward:rmse_return',
  sagemaker_container_log_level: '20',
};

/** Outlives one test: the serve tests serve what the first train test trained. */
const trainedRoot = mkdtempSync(join(tmpdir(), 'stockops-opt-ml-trained-'));
afterAll(() => rmSync(trainedRoot, { recursive: true, force: true }));

/** A fresh /opt/ml as SageMaker lays it out for a training job. */
function optMl(
  hyperparameters: Record<string, unknown> = HYPERPARAMETERS,
  root = tempDir(),
): string {
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  mkdirSync(join(root, 'input', 'data', 'train'), { recursive: true });
  writeFileSync(
    join(root, 'input', 'config', 'hyperparameters.json'),
    JSON.stringify(hyperparameters),
  );
  writeFileSync(
    join(root, 'input', 'config', 'inputdataconfig.json'),
    JSON.stringify({
      train: {
        ContentType: 'text/csv',
        TrainingInputMode: 'File',
        S3DistributionType: 'FullyReplicated',
        RecordWrapperType: 'None',
      },
    }),
  );
  writeFileSync(
    join(root, 'input', 'data', 'train', 'AAA.csv'),
    formatPriceCsv(syntheticBars(420, '2019-01-02', 3)),
  );
  return root;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
  /** Resolves with the first stderr match. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

function container(command: string, root: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [ENTRY, command], {
    env: { ...process.env, SM_OPT_ML: root, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(err);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = pattern.exec(err);
        if (m) return resolve(m);
        waiters.push({ pattern, resolve });
        void exit.then((code) => reject(new Error(`exited ${code} before ${pattern}:\n${err}`)));
      }),
  };
}

/** The parts of an evaluation that must not depend on how the job got there. */
function scores(evaluation: Evaluation) {
  return Object.fromEntries(
    Object.entries(evaluation.models).map(([name, m]) => [
      name,
      { folds: m.folds, aggregate: m.aggregate, holdout: m.holdout },
    ]),
  );
}

let uninterrupted: Evaluation | undefined;

describe('SageMaker container: train', () => {
  it('parses string hyperparameters, ignores unknown keys, prints metrics for the regexes (gate metrics last), writes model/', async () => {
    const root = optMl(HYPERPARAMETERS, trainedRoot);
    const run = container('train', root);
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toContain(
      'hyperparameters: ignoring _tuning_objective_metric, sagemaker_container_log_level',
    );
    expect(existsSync(join(root, 'output', 'failure'))).toBe(false);
    const evaluation = JSON.parse(
      readFileSync(join(root, 'model', 'evaluation.json'), 'utf8'),
    ) as Evaluation;
    // the string hyperparameters took effect
    expect(evaluation.plan.folds).toHaveLength(4);
    expect(evaluation.models.lstm?.params).toMatchObject({
      units: 4,
      window: 5,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.01,
    });
    const manifest = JSON.parse(readFileSync(join(root, 'model', 'manifest.json'), 'utf8'));
    expect(manifest.features).toEqual({
      avg_price: '(high+low)/2',
      volatility_window: 5,
      volume_window: 5,
      window: 5,
    });
    expect(manifest.symbol).toBe('AAA');
    for (const file of [
      'model.json',
      'weights.bin',
      'scaler.json',
      'feature_spec.json',
      'metadata.json',
      'baselines/last_close/model.json',
    ]) {
      expect(existsSync(join(root, 'model', file))).toBe(true);
    }
    // every stdout line is a metric line SageMaker's regexes capture; the last value of each is
    // the candidate's aggregate (the gate's), the objective printed last of all
    const lines = run.stdout().trimEnd().split('\n');
    const defs = metricDefinitions().map((d) => ({ name: d.Name, regex: new RegExp(d.Regex) }));
    for (const line of lines)
      expect(
        defs.some((d) => d.regex.test(line)),
        line,
      ).toBe(true);
    const finalValue = (name: string) => {
      const regex = defs.find((d) => d.name === name)?.regex as RegExp;
      return Number(
        lines
          .map((l) => regex.exec(l)?.[1])
          .filter((v) => v !== undefined)
          .at(-1),
      );
    };
    const aggregate = evaluation.models.lstm?.aggregate;
    expect(finalValue('walkforward:rmse_return')).toBe(aggregate?.scores.rmse_return);
    expect(finalValue('walkforward:mape_price')).toBe(aggregate?.scores.mape_price);
    expect(finalValue('walkforward:error_ratio_vs_best_baseline')).toBe(
      aggregate?.vs[evaluation.best_baseline]?.error_ratio,
    );
    expect(lines.at(-1)).toBe(`walkforward:rmse_return=${aggregate?.scores.rmse_return}`);
    expect(lines.length).toBeGreaterThan(4);
    uninterrupted = evaluation;
  });

  it("trains on the curated partitions when the channel is the store's curated/ prefix", async () => {
    const root = optMl({ ...HYPERPARAMETERS, symbol: 'AAA' });
    const channel = join(root, 'input', 'data', 'train');
    rmSync(join(channel, 'AAA.csv'));
    for (const [month, bars] of barsByMonth(syntheticBars(420, '2019-01-02', 3))) {
      const file = join(channel, curatedMonthKey('AAA', month).slice('curated/'.length));
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, formatPriceCsv(bars));
    }
    // another symbol's partitions in the same channel are left alone
    mkdirSync(join(channel, 'symbol=BBB', 'year=2019', 'month=01'), { recursive: true });
    writeFileSync(join(channel, 'symbol=BBB', 'year=2019', 'month=01', 'bars.csv'), 'not,a,csv\n');
    const run = container('train', root);
    expect(await run.exit, run.stderr()).toBe(0);
    const evaluation = JSON.parse(
      readFileSync(join(root, 'model', 'evaluation.json'), 'utf8'),
    ) as Evaluation;
    expect(uninterrupted).toBeDefined();
    expect(scores(evaluation)).toEqual(scores(uninterrupted as Evaluation));
  });

  it('on bad input writes output/failure with the reason and exits non-zero', async () => {
    const badCsv = optMl();
    writeFileSync(
      join(badCsv, 'input', 'data', 'train', 'AAA.csv'),
      'date,open,high,low,close,adj_close,volume\n2024-01-02,1,2,x,1,1,1\n',
    );
    const noChannel = optMl();
    writeFileSync(
      join(noChannel, 'input', 'config', 'inputdataconfig.json'),
      JSON.stringify({ validation: {} }),
    );
    const cases: [string, string | RegExp][] = [
      [
        optMl({ ...HYPERPARAMETERS, units: 'many' }),
        'hyperparameters.json: units: expected an integer (got "many")',
      ],
      [optMl({ ...HYPERPARAMETERS, units: '0' }), 'hyperparameter units: must be >= 1'],
      [
        optMl({ ...HYPERPARAMETERS, symbol: 'ZZZ' }),
        'channel train has no ZZZ.csv and no curated symbol=ZZZ/ partitions (it has AAA.csv)',
      ],
      [badCsv, /train\/AAA\.csv:2: low: not a number \(got "x"\)/],
      [noChannel, /inputdataconfig.json declares no "train" channel \(it has validation\)/],
    ];
    // one process each, all at once
    const runs = cases.map(([root]) => container('train', root));
    const usage = container('tune', tempDir());
    for (const [i, [root, reason]] of cases.entries()) {
      const run = runs[i] as Run;
      expect(await run.exit, run.stderr()).toBe(1);
      expect(readFileSync(join(root, 'output', 'failure'), 'utf8')).toMatch(reason);
      expect(run.stderr()).toContain('train failed: ');
      expect(existsSync(join(root, 'model', 'manifest.json'))).toBe(false);
    }
    expect(await usage.exit).toBe(2);
    expect(usage.stderr()).toMatch(/usage: container.ts train\|serve \(got "tune"\)/);
  });

  it('on SIGTERM stops at a fit boundary with its checkpoint, and a rerun resumes to the same result', async () => {
    const root = optMl();
    const first = container('train', root);
    await first.waitFor(/checkpoint: fold-1 saved/);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(143);
    expect(first.stderr()).toMatch(/SIGTERM: stopping at the next fit boundary/);
    expect(first.stderr()).toMatch(/SIGTERM received: stopped at a fit boundary/);
    expect(existsSync(join(root, 'output', 'failure'))).toBe(false);
    expect(existsSync(join(root, 'model', 'manifest.json'))).toBe(false);
    const checkpoint = JSON.parse(
      readFileSync(join(root, 'checkpoints', 'checkpoint.json'), 'utf8'),
    );
    const done = Object.keys(checkpoint.fits);
    expect(done[0]).toBe('fold-1');
    expect(done).not.toContain('final');
    expect(existsSync(join(root, 'checkpoints', 'fits', 'fold-1', 'weights.bin'))).toBe(true);

    const second = container('train', root);
    expect(await second.exit).toBe(0);
    expect(second.stderr()).toContain(`checkpoint: resuming with ${done.length} completed fit`);
    for (const key of done)
      expect(second.stderr()).toContain(`checkpoint: ${key} resumed (not refitted)`);
    expect(second.stderr()).not.toContain('checkpoint: fold-1 saved');
    const resumed = JSON.parse(
      readFileSync(join(root, 'model', 'evaluation.json'), 'utf8'),
    ) as Evaluation;
    // bit-identical to the job that ran through (same data, same hyperparameters)
    expect(uninterrupted).toBeDefined();
    expect(scores(resumed)).toEqual(scores(uninterrupted as Evaluation));
  });
});

describe('SageMaker container: serve', () => {
  it('listens on SAGEMAKER_BIND_TO_PORT, answers /ping and /invocations, drains on SIGTERM', async () => {
    expect(existsSync(join(trainedRoot, 'model', 'manifest.json'))).toBe(true);
    const run = container('serve', trainedRoot, {
      SAGEMAKER_BIND_TO_PORT: '0',
      STOCKOPS_BIND_HOST: '127.0.0.1',
      STOCKOPS_MODEL_VERSION: '7',
    });
    // a second container on the same artifact serving the baseline a champion would be
    const baseline = container('serve', trainedRoot, {
      SAGEMAKER_BIND_TO_PORT: '0',
      STOCKOPS_BIND_HOST: '127.0.0.1',
      STOCKOPS_SERVE_MODEL: 'last_close',
      STOCKOPS_EMF: 'off',
    });
    const url = (await run.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
    await run.waitFor(/serving AllTraffic: lstm v7/);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    const r = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ windows: [windowRows(5)] }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ model: 'lstm', version: 7, variant: 'AllTraffic' });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/SIGTERM: draining in-flight requests, then exiting/);
    // the EMF document of the request, on stdout (the endpoint's log stream)
    const emf = JSON.parse(run.stdout().trim().split('\n').at(-1) ?? '{}');
    expect(emf).toMatchObject({ Variant: 'AllTraffic', Invocations: 1 });

    const baselineUrl = (await baseline.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
    await baseline.waitFor(/serving AllTraffic: last_close \(unversioned\)/);
    const answer = await fetch(`${baselineUrl}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ windows: [windowRows(5)] }),
    });
    expect(await answer.json()).toMatchObject({ model: 'last_close', version: null });
    baseline.child.kill('SIGTERM');
    expect(await baseline.exit).toBe(0);
  });

  it('a model directory that does not match its manifest is refused: /ping stays 503, the reason is logged', async () => {
    const root = tempDir();
    const badPort = container('serve', root, { SAGEMAKER_BIND_TO_PORT: 'eighty' });
    cpSync(join(trainedRoot, 'model'), join(root, 'model'), { recursive: true });
    const weights = readFileSync(join(root, 'model', 'weights.bin'));
    weights[0] = (weights[0] ?? 0) ^ 0xff;
    writeFileSync(join(root, 'model', 'weights.bin'), weights);
    const run = container('serve', root, {
      SAGEMAKER_BIND_TO_PORT: '0',
      STOCKOPS_BIND_HOST: '127.0.0.1',
    });
    const url = (await run.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
    const reason = await run.waitFor(
      /model load failed; \/ping will answer 503 until restarted: (.*)/,
    );
    expect(reason[1]).toMatch(
      /model directory \(AAA\): artifact weights.bin was changed: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/,
    );
    const ping = await fetch(`${url}/ping`);
    expect(ping.status).toBe(503);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(await badPort.exit).toBe(2);
    expect(badPort.stderr()).toContain(
      'SAGEMAKER_BIND_TO_PORT must be a port number (got "eighty")',
    );
  });
});
