import { describe, expect, it } from 'vitest';
import { EmfMonitorMetrics } from '../../adapters/local/emfMetrics.ts';
import { emptyState, recordSession } from '../../core/monitor/breachStreak.ts';
import { DRIFT_REPORT_SCHEMA, type DriftReport } from '../../core/monitor/driftReport.ts';
import { realisedError } from '../../core/monitor/realisedError.ts';

const day = (date: string, actual: number, model: number, baseline: number) => ({
  date,
  actual,
  model,
  baseline,
});

describe('realised error', () => {
  it('matches a hand-computed rolling RMSE ratio', () => {
    // errors model: 0.02, 0.00, 0.01, 0.03; baseline: 0.01, 0.01, 0.01, 0.01; window 2
    // day 2: √(4e-4 + 0) / √(2e-4) = √2; day 3: √(0 + 1e-4)/√2e-4 = √0.5; day 4: √(1e-3)/√(2e-4) = √5
    const days = [
      day('2024-01-02', 0.01, 0.03, 0.0),
      day('2024-01-03', -0.01, -0.01, 0.0),
      day('2024-01-04', 0.0, 0.01, 0.01),
      day('2024-01-05', 0.02, -0.01, 0.01),
    ];
    const r = realisedError({
      days,
      window: 2,
      maxRatio: 2,
      modelVersion: 'AMZN/5',
      baseline: 'last_close',
    });
    expect(r.series.map((p) => p.date)).toEqual(['2024-01-03', '2024-01-04', '2024-01-05']);
    expect(r.series[0]?.error_ratio).toBeCloseTo(Math.SQRT2, 12);
    expect(r.series[1]?.error_ratio).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.rolling_error_ratio).toBeCloseTo(Math.sqrt(5), 12);
    expect(r).toMatchObject({
      days: 4,
      breached: true,
      model_version: 'AMZN/5',
      baseline: 'last_close',
    });
  });

  it('has no ratio before a full window or when the baseline made no error', () => {
    const short = realisedError({
      days: [day('2024-01-02', 0.01, 0.0, 0.0)],
      window: 2,
      maxRatio: 1.1,
      modelVersion: null,
      baseline: 'persistence',
    });
    expect(short).toMatchObject({ rolling_error_ratio: null, breached: false, series: [] });
    const exact = realisedError({
      days: [day('2024-01-02', 0.01, 0.0, 0.01)],
      window: 1,
      maxRatio: 1.1,
      modelVersion: null,
      baseline: 'b',
    });
    expect(exact.rolling_error_ratio).toBeNull();
    expect(() =>
      realisedError({ days: [], window: 0, maxRatio: 1, modelVersion: null, baseline: 'b' }),
    ).toThrow(/error window/);
  });
});

describe('EMF monitor metrics', () => {
  it('writes one document per symbol with both dimension sets', async () => {
    const docs: string[] = [];
    const metrics = new EmfMonitorMetrics({ write: (d) => docs.push(d), env: 'dev' });
    const drift = { psi: 0.3, ks_statistic: 0.2, ks_p_value: 0.001, drifted: true };
    const report: DriftReport = {
      schema: DRIFT_REPORT_SCHEMA,
      symbol: 'AMZN',
      as_of: '2024-03-08',
      reference: { from: '2022-01-03', to: '2023-09-01', rows: 420 },
      recent: { from: '2023-09-05', to: '2024-03-08', rows: 120 },
      features: { log_return: { ...drift, drifted: false, psi: 0.1 }, volatility: drift },
      prediction: { ...drift, psi: 0.05, drifted: false },
      realised_error: {
        model_version: 'AMZN/5',
        baseline: 'last_close',
        days: 120,
        rolling_error_ratio: 1.2,
        breached: true,
        series: [],
      },
      status: 'drift',
    };
    let state = recordSession(emptyState('AMZN'), '2024-03-07', true);
    state = recordSession(state, '2024-03-08', true);
    await metrics.record(report, state);
    expect(docs).toHaveLength(1);
    const doc = JSON.parse(docs[0] as string);
    expect(doc).toMatchObject({
      Environment: 'dev',
      Symbol: 'AMZN',
      RealisedErrorRatioVsBestBaseline: 1.2,
      FeaturePsiMax: 0.3,
      FeaturesDrifted: 1,
      PredictionPsi: 0.05,
      DriftDetected: 1,
      ConsecutiveBreachDays: 2,
      AsOf: '2024-03-08',
      ModelVersion: 'AMZN/5',
    });
    expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'stockops',
      Dimensions: [['Environment'], ['Environment', 'Symbol']],
    });
  });
});

describe('stored state and alerts are checked on read', () => {
  it('names the object and the field of a bad monitor state', async () => {
    const { parseMonitorState } = await import('../../core/monitor/breachStreak.ts');
    expect(() => parseMonitorState('{', 'store/monitor/AMZN/state.json', 'AMZN')).toThrow(
      /store\/monitor\/AMZN\/state.json: not JSON/,
    );
    expect(() => parseMonitorState('{"schema":"x"}', 'f', 'AMZN')).toThrow(/f: schema/);
    const ok = JSON.stringify({
      ...emptyState('AMZN'),
      days: [{ date: '2024-03-08', breached: true }],
    });
    expect(() => parseMonitorState(ok, 'f', 'MSFT')).toThrow(/f: symbol: expected "MSFT"/);
    expect(parseMonitorState(ok, 'f', 'AMZN').consecutive_breach_days).toBe(1);
    const bad = JSON.stringify({ ...emptyState('AMZN'), days: [{ date: 'x' }] });
    expect(() => parseMonitorState(bad, 'f', 'AMZN')).toThrow(/f: days: expected/);
  });

  it('names the field of a bad alert message', async () => {
    const { parseAlert } = await import('../../core/ports/alerts.ts');
    expect(() => parseAlert('[]', 'msg')).toThrow(/msg: /);
    expect(() => parseAlert('nope', 'msg')).toThrow(/msg: not JSON/);
    const alert = {
      schema: 'stockops.alert/v1',
      id: 'a@t',
      type: 'model_degradation',
      incident: 'a',
      severity: 'critical',
      symbol: 'AMZN',
      summary: 's',
      detail: 'd',
      raised_at: 't',
      env: 'dev',
      retrain: true,
    };
    expect(parseAlert(JSON.stringify(alert))).toEqual(alert);
    expect(() => parseAlert(JSON.stringify({ ...alert, type: 'x' }), 'm')).toThrow(
      /m: type: expected/,
    );
    expect(() => parseAlert(JSON.stringify({ ...alert, severity: 'x' }), 'm')).toThrow(
      /m: severity/,
    );
    expect(() => parseAlert(JSON.stringify({ ...alert, symbol: 1 }), 'm')).toThrow(/m: symbol/);
    expect(() => parseAlert(JSON.stringify({ ...alert, retrain: 'yes' }), 'm')).toThrow(
      /m: retrain/,
    );
  });
});
