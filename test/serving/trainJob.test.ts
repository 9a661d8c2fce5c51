import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { LstmForecaster } from '../../core/model/lstmForecaster.ts';
import { TrainingCheckpoints } from '../../training/checkpoints.ts';
import { optMl } from '../../training/optMl.ts';
import { StopSignal, TrainingStopped } from '../../training/stopSignal.ts';
import { runTrainJob } from '../../training/trainJob.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';
import { BARS, REPO } from './servingFixtures.ts';

const tempDir = useTempDir('stockops-train-job-');

const HYPER = {
  units: '4',
  window: '5',
  epochs: '1',
  batch_size: '32',
  max_train_days: '100',
  volatility_window: '5',
  volume_window: '5',
  folds: '2',
  test_days: '30',
  gap_days: '2',
  holdout_days: '30',
  min_train_days: '100',
};

function job(root: string, stop = new StopSignal()) {
  const logs: string[] = [];
  const metrics: string[] = [];
  return {
    logs,
    metrics,
    run: () =>
      runTrainJob({
        paths: optMl(root),
        configDir: join(REPO, 'config'),
        env: 'local',
        stop,
        log: (l) => logs.push(l),
        metric: (l) => metrics.push(l),
        now: () => new Date('2025-01-02T21:30:00.000Z'),
      }),
  };
}

function layout(hyperparameters: Record<string, string> = HYPER): string {
  const root = tempDir();
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  mkdirSync(join(root, 'input', 'data', 'train'), { recursive: true });
  writeFileSync(
    join(root, 'input', 'config', 'hyperparameters.json'),
    JSON.stringify(hyperparameters),
  );
  writeFileSync(join(root, 'input', 'config', 'inputdataconfig.json'), '{"train":{}}');
  writeFileSync(
    join(root, 'input', 'data', 'train', 'BBB.csv'),
    formatPriceCsv(syntheticBars(330, '2019-01-02', 5)),
  );
  return root;
}

describe('train job (in process)', () => {
  it('a stop requested before a fit boundary stops there; the rerun resumes, then everything is resumed', async () => {
    const root = layout();
    const stop = new StopSignal();
    const first = job(root, stop);
    // stop once the first LSTM fit is checkpointed
    const original = first.logs.push.bind(first.logs);
    first.logs.push = (...lines: string[]) => {
      if (lines.some((l) => l === 'checkpoint: fold-1 saved')) stop.request('SIGTERM');
      return original(...lines);
    };
    await expect(first.run()).rejects.toThrow(TrainingStopped);
    expect(stop.requested).toBe(true);
    const checkpoint = JSON.parse(
      readFileSync(join(root, 'checkpoints', 'checkpoint.json'), 'utf8'),
    );
    expect(Object.keys(checkpoint.fits)).toEqual(['fold-1']);

    const second = job(root);
    await second.run();
    expect(second.logs).toContain('checkpoint: resuming with 1 completed fit (fold-1)');
    expect(second.logs).toContain('checkpoint: fold-1 resumed (not refitted)');
    expect(second.metrics.at(-1)).toMatch(/^walkforward:rmse_return=/);

    const third = job(root);
    await third.run();
    expect(third.logs).toContain('checkpoint: evaluation resumed (not recomputed)');
    expect(third.logs).toContain('checkpoint: final resumed (not refitted)');
    expect(third.metrics).toEqual(second.metrics);
    expect(readFileSync(join(root, 'model', 'evaluation.json'), 'utf8')).toBe(
      readFileSync(join(root, 'checkpoints', 'evaluation.json'), 'utf8'),
    );
  });

  it('uses the only CSV of the channel, or the one hyperparameter symbol names', async () => {
    const root = layout({ ...HYPER, symbol: 'ccc' });
    writeFileSync(
      join(root, 'input', 'data', 'train', 'CCC.csv'),
      formatPriceCsv(syntheticBars(330, '2019-01-02', 6)),
    );
    const j = job(root);
    await j.run();
    expect(j.logs).toContainEqual(expect.stringMatching(/^train: CCC, 330 bars/));
    const two = layout();
    writeFileSync(join(two, 'input', 'data', 'train', 'CCC.csv'), 'x');
    await expect(job(two).run()).rejects.toThrow(
      'channel train holds BBB.csv, CCC.csv: set hyperparameter symbol to pick one',
    );
    const badData = layout();
    writeFileSync(
      join(badData, 'input', 'data', 'train', 'BBB.csv'),
      formatPriceCsv(
        syntheticBars(330, '2019-01-02', 5).map((b, i) => (i === 100 ? { ...b, close: -1 } : b)),
      ),
    );
    await expect(job(badData).run()).rejects.toThrow(
      /BBB.csv fails data quality: .*non_positive: /,
    );
  });

  it('refuses channels it cannot read', async () => {
    const pipe = layout();
    writeFileSync(
      join(pipe, 'input', 'config', 'inputdataconfig.json'),
      '{"train":{"TrainingInputMode":"Pipe"}}',
    );
    await expect(job(pipe).run()).rejects.toThrow(
      'channel train: TrainingInputMode Pipe is not supported: use File',
    );
    const parquet = layout();
    writeFileSync(
      join(parquet, 'input', 'config', 'inputdataconfig.json'),
      '{"train":{"ContentType":"application/x-parquet"}}',
    );
    await expect(job(parquet).run()).rejects.toThrow(
      /ContentType application\/x-parquet is not supported/,
    );
    const missing = layout();
    writeFileSync(join(missing, 'input', 'config', 'inputdataconfig.json'), '');
    await expect(job(missing).run()).rejects.toThrow(/inputdataconfig.json is not valid JSON/);
    const none = tempDir();
    await expect(job(none).run()).rejects.toThrow(/inputdataconfig.json is missing/);
    const bad = layout({ ...HYPER, gap_days: '-1' });
    await expect(job(bad).run()).rejects.toThrow(/hyperparameter gap_days: must be >= 0/);
  });
});

describe('training checkpoints', () => {
  const table = buildFeatureTable(BARS, {
    avgPrice: '(high+low)/2',
    volatilityWindow: 5,
    volumeWindow: 5,
  });
  const origins = Array.from({ length: 120 }, (_, i) => 20 + i);
  const lstm = new LstmForecaster({
    units: 4,
    layers: 1,
    dropout: 0,
    window: 5,
    epochs: 1,
    batchSize: 32,
    learningRate: 0.01,
    patience: 1,
    validationFraction: 0.1,
    warmStart: true,
    seed: 3,
  });

  it('a resumed fit predicts bit-identically and keeps its training report', async () => {
    const dir = tempDir();
    const logs: string[] = [];
    const checkpoints = TrainingCheckpoints.open(dir, 'inputs-a', (l) => logs.push(l));
    const wrap = checkpoints.wrapper({ stop: new StopSignal(), avgPrice: '(high+low)/2' });
    const fitted = await wrap(lstm, 'final').fit(table, origins, { fold: -1 });
    const reopened = TrainingCheckpoints.open(dir, 'inputs-a', (l) => logs.push(l));
    expect(reopened.completedFits()).toEqual(['final']);
    const resumed = await reopened
      .wrapper({ stop: new StopSignal(), avgPrice: '(high+low)/2' })(lstm, 'final')
      .fit(table, origins, { fold: -1 });
    const at = [200, 250, 299];
    expect(await resumed.predict(table, at)).toEqual(await fitted.predict(table, at));
    expect(resumed.describe()).toEqual(fitted.describe());
    await expect(reopened.loadFit('final', origins.slice(1))).rejects.toThrow(
      /was fitted on other origins/,
    );
    expect(logs).toContain('checkpoint: final resumed (not refitted)');
  });

  it('discards a checkpoint of other inputs or an unreadable one, and stops at a boundary once asked', async () => {
    const dir = tempDir();
    const logs: string[] = [];
    const first = TrainingCheckpoints.open(dir, 'inputs-a', () => {});
    const stop = new StopSignal();
    await first
      .wrapper({ stop, avgPrice: '(high+low)/2' })(lstm, 'evaluation')
      .fit(table, origins, { fold: 0 });
    expect(TrainingCheckpoints.open(dir, 'inputs-a', () => {}).completedFits()).toEqual(['fold-1']);
    expect(TrainingCheckpoints.open(dir, 'inputs-b', (l) => logs.push(l)).completedFits()).toEqual(
      [],
    );
    expect(logs).toContain(
      'checkpoint: found one for other inputs (data, config or hyperparameters); starting over',
    );
    writeFileSync(join(dir, 'checkpoint.json'), '{');
    expect(
      TrainingCheckpoints.open(dir, 'inputs-b', (l) => logs.push(l)).evaluation(),
    ).toBeUndefined();
    expect(logs.at(-1)).toMatch(/checkpoint.json is unreadable/);
    stop.request('SIGTERM');
    stop.request('SIGINT');
    await expect(
      first
        .wrapper({ stop, avgPrice: '(high+low)/2' })(lstm, 'evaluation')
        .fit(table, origins, { fold: -1 }),
    ).rejects.toThrow('SIGTERM received: stopped at a fit boundary');
  });
});
