import { readFileSync } from 'node:fs';
import { evaluateWalkForward } from './core/evaluate/walkForwardEvaluation.ts';
import { buildFeatureTable } from './core/features/featureTable.ts';
import { parsePriceCsv } from './core/market/priceBar.ts';
import { baselineForecasters } from './core/model/baselines.ts';
import { LstmForecaster } from './core/model/lstmForecaster.ts';

const bars = parsePriceCsv(readFileSync('../shared/data/AMZN.csv', 'utf8'));
const table = buildFeatureTable(bars, {
  avgPrice: '(high+low)/2',
  volatilityWindow: 20,
  volumeWindow: 20,
});
const window = Number(process.argv[2] ?? 30),
  units = Number(process.argv[3] ?? 16),
  maxTrain = Number(process.argv[4] ?? 1000),
  epochs = Number(process.argv[5] ?? 12);
const t0 = performance.now();
const e = await evaluateWalkForward({
  symbol: 'AMZN',
  table,
  window,
  plan: { folds: 5, testDays: 250, gapDays: 5, holdoutDays: 250, minTrainDays: 750 },
  maxTrainDays: maxTrain,
  forecasters: [
    ...baselineForecasters(),
    new LstmForecaster({
      units,
      layers: 1,
      dropout: 0,
      window,
      epochs,
      batchSize: 64,
      learningRate: 0.002,
      patience: 3,
      validationFraction: 0.1,
      warmStart: true,
      seed: 42,
    }),
  ],
  configHash: 'a'.repeat(64),
  avgPrice: '(high+low)/2',
  dataSha256: 'b'.repeat(64),
  createdAt: new Date().toISOString(),
});
console.log('ms', Math.round(performance.now() - t0), 'best', e.best_baseline);
for (const [n, m] of Object.entries(e.models))
  console.log(
    n.padEnd(12),
    m.aggregate.scores.rmse_return.toFixed(5),
    'ratio vs best',
    m.aggregate.vs[e.best_baseline]?.error_ratio?.toFixed(4),
    'p',
    m.aggregate.vs[e.best_baseline]?.dm_p_value?.toFixed(3),
    'holdout',
    m.holdout.scores.rmse_return.toFixed(5),
    m.holdout.vs[e.best_baseline]?.error_ratio?.toFixed(4),
    'vs persist',
    m.aggregate.vs.persistence?.error_ratio?.toFixed(4),
    'DA',
    m.aggregate.scores.directional_accuracy?.toFixed(3),
    m.aggregate.scores.up_day_rate.toFixed(3),
  );
