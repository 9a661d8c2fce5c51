import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatureTable, slidingWindows } from '../../core/features/featureTable.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { coalescedPredictions } from '../../core/serving/coalescedPredictions.ts';
import { forecast } from '../../core/serving/forecasting.ts';
import { invoke } from '../../core/serving/invocation.ts';
import { CSV_TYPE, InvocationError, JSON_TYPE } from '../../core/serving/invocationError.ts';
import { type ServingModel, servingModelFromFiles } from '../../core/serving/servingModel.ts';
import {
  BARS,
  type FittedSet,
  fitFinalModels,
  servingModels,
  smallConfigDir,
  variant,
  windowRows,
} from './servingFixtures.ts';

let fitted: FittedSet;
let models: Record<string, ServingModel>;
const config = smallConfigDir();
beforeAll(async () => {
  fitted = await fitFinalModels(config.dir);
  models = await servingModels(fitted);
});
afterAll(() => config.dispose());

const model = (name: string) => models[name] as ServingModel;

describe('forecasting from bars and windows', () => {
  it('bars: one forecast per bar with enough history, equal to the model on the whole table', async () => {
    for (const name of ['lstm', 'last_close', 'linear_ar']) {
      const m = model(name);
      const result = await forecast(m, { kind: 'bars', bars: BARS });
      if (result.kind !== 'bars') throw new Error('kind');
      const table = buildFeatureTable(BARS, m.features);
      const first = table.firstComplete + m.rows - 1;
      const origins = Array.from({ length: BARS.length - first }, (_, i) => first + i);
      const expected = await m.fitted.predict(table, origins);
      expect(result.forecasts.map((f) => f.predicted_log_return)).toEqual(Array.from(expected));
      const last = result.forecasts.at(-1);
      const lastBar = BARS.at(-1);
      expect(last?.date).toBe(lastBar?.date);
      // the next NYSE session after the last bar
      expect(last?.target_date && last.target_date > (lastBar?.date ?? '')).toBe(true);
      const avg = ((lastBar?.high ?? 0) + (lastBar?.low ?? 0)) / 2;
      expect(last?.avg_price).toBe(avg);
      expect(last?.predicted_avg_price).toBeCloseTo(
        avg * Math.exp(last?.predicted_log_return ?? 0),
        10,
      );
    }
    // last_close's forecast price is the day's close
    const lc = await forecast(model('last_close'), { kind: 'bars', bars: BARS });
    expect(lc.kind === 'bars' && lc.forecasts.at(-1)?.predicted_avg_price).toBeCloseTo(
      BARS.at(-1)?.close ?? 0,
      9,
    );
  });

  it('windows: the same numbers as the bars path for the same windows', async () => {
    const m = model('lstm');
    const table = buildFeatureTable(BARS, m.features);
    const windows = slidingWindows(table, m.rows).slice(-20);
    const result = await forecast(m, { kind: 'windows', windows: windows.map((w) => w.inputs) });
    const expected = await m.fitted.predict(
      table,
      windows.map((w) => w.origin),
    );
    expect(result.forecasts.map((f) => f.predicted_log_return)).toEqual(Array.from(expected));
    // a baseline reads the last row of a longer window
    const lc = await forecast(model('last_close'), {
      kind: 'windows',
      windows: windows.map((w) => w.inputs),
    });
    expect(lc.forecasts.map((f) => f.predicted_log_return)).toEqual(
      windows.map((w) => table.columns.close_to_avg[w.origin]),
    );
  });

  it('too few bars or rows: 400 saying how many to send', async () => {
    const short = forecast(model('lstm'), { kind: 'bars', bars: BARS.slice(0, 9) });
    await expect(short).rejects.toThrow(InvocationError);
    await expect(short).rejects.toThrow(
      '9 bars are too few for lstm v5: features need 5 bars of warm-up and the model reads 5 complete rows, so send at least 10 bars',
    );
    expect(
      (await forecast(model('lstm'), { kind: 'bars', bars: BARS.slice(0, 10) })).forecasts,
    ).toHaveLength(1);
    const constantVolume = BARS.slice(0, 12).map((b) => ({ ...b, volume: 0 }));
    await expect(forecast(model('lstm'), { kind: 'bars', bars: constantVolume })).rejects.toThrow(
      /constant volume/,
    );
    await expect(
      forecast(model('lstm'), {
        kind: 'windows',
        windows: [Float64Array.from(windowRows(3).flat())],
      }),
    ).rejects.toThrow('windows[0] has 3 rows; lstm v5 reads 5');
  });

  it('invoke: JSON and CSV answers carry model, version and variant; faults are 500 with the cause', async () => {
    const v = variant('champion', model('last_close'));
    const jsonAnswer = await invoke(v, {
      body: JSON.stringify({ windows: [windowRows(2)] }),
      contentType: JSON_TYPE,
      accept: undefined,
    });
    expect(jsonAnswer.status).toBe(200);
    expect(JSON.parse(jsonAnswer.body)).toEqual({
      model: 'last_close',
      version: 2,
      variant: 'champion',
      forecasts: [{ window: 0, predicted_log_return: windowRows(2)[1]?.[1] }],
    });
    const csvAnswer = await invoke(v, {
      body: formatPriceCsv(BARS.slice(-8)),
      contentType: CSV_TYPE,
      accept: undefined,
    });
    expect(csvAnswer.contentType).toBe(CSV_TYPE);
    const lines = csvAnswer.body.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'date,target_date,avg_price,predicted_log_return,predicted_avg_price,model,version,variant',
    );
    expect(lines).toHaveLength(1 + 8 - 5);
    expect(lines[1]).toMatch(
      /^\d{4}-\d\d-\d\d,\d{4}-\d\d-\d\d,[\d.]+,-?[\d.e-]+,[\d.]+,last_close,2,champion$/,
    );
    const windowsCsv = await invoke(v, {
      body: `${windowRows(1).flat().join(',')}\n`,
      contentType: CSV_TYPE,
      accept: 'text/csv',
    });
    expect(windowsCsv.body).toBe(`${windowRows(1)[0]?.[1]},last_close,2,champion\n`);
    const unversioned = variant('a b', { ...model('last_close'), version: null });
    const quoted = await invoke(unversioned, {
      body: `${windowRows(1).flat().join(',')}\n`,
      contentType: CSV_TYPE,
      accept: undefined,
    });
    expect(quoted.body).toBe(`${windowRows(1)[0]?.[1]},last_close,,"a b"\n`);
    const broken = variant('x', {
      ...model('last_close'),
      fitted: { name: 'x', describe: () => ({}), predict: async () => Float64Array.of(Number.NaN) },
    });
    const fault = await invoke(broken, {
      body: JSON.stringify({ windows: [windowRows(1)] }),
      contentType: JSON_TYPE,
      accept: undefined,
    });
    expect(fault.status).toBe(500);
    expect(JSON.parse(fault.body).error).toMatch(
      /forecast failed: last_close v2 forecast NaN for input 0/,
    );
    expect(fault.cause).toBeInstanceOf(Error);
    const thrown = variant('x', {
      ...model('last_close'),
      fitted: { name: 'x', describe: () => ({}), predict: () => Promise.reject('boom') },
    });
    expect(
      (
        await invoke(thrown, {
          body: JSON.stringify({ windows: [windowRows(1)] }),
          contentType: JSON_TYPE,
          accept: undefined,
        })
      ).status,
    ).toBe(500);
  });
});

describe('coalesced predictions', () => {
  it('concurrent calls run as one predict, with bit-identical results', async () => {
    const m = model('lstm');
    let calls = 0;
    const counted: ServingModel = {
      ...m,
      fitted: {
        name: m.fitted.name,
        describe: () => m.fitted.describe(),
        predict: (t, o) => {
          calls += 1;
          return m.fitted.predict(t, o);
        },
      },
    };
    const coalesced = coalescedPredictions(counted);
    const table = buildFeatureTable(BARS, m.features);
    const origins = [
      [table.dates.length - 1],
      [table.dates.length - 2, table.dates.length - 3],
      [],
      [table.firstComplete + m.rows - 1],
    ];
    const together = await Promise.all(origins.map((o) => coalesced.fitted.predict(table, o)));
    expect(calls).toBe(1);
    for (const [i, o] of origins.entries())
      expect(together[i]).toEqual(await m.fitted.predict(table, o));
    expect(coalesced.fitted.describe()).toEqual(m.fitted.describe());
  });

  it('a request the model would refuse fails alone; a model fault fails its whole batch', async () => {
    const m = model('last_close');
    const table = buildFeatureTable(BARS, m.features);
    const coalesced = coalescedPredictions(m, { maxOrigins: 2 });
    const [good, bad, alsoGood] = await Promise.allSettled([
      coalesced.fitted.predict(table, [table.dates.length - 1]),
      coalesced.fitted.predict(table, [0]),
      coalesced.fitted.predict(table, [table.dates.length - 2, table.dates.length - 3]),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status === 'rejected' && String(bad.reason)).toMatch(
      /origin 0 has fewer than 1 complete feature rows/,
    );
    expect(alsoGood.status).toBe('fulfilled');
    const failing = coalescedPredictions({
      ...m,
      fitted: {
        name: 'x',
        describe: () => ({}),
        predict: () => Promise.reject(new Error('model fault')),
      },
    });
    const results = await Promise.allSettled([
      failing.fitted.predict(table, [table.dates.length - 1]),
      failing.fitted.predict(table, [table.dates.length - 2]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('dispose reaches the model', async () => {
    let disposed = false;
    const m = model('last_close');
    const fittedWithDispose = {
      name: 'x',
      describe: () => ({}),
      predict: m.fitted.predict,
      dispose: () => {
        disposed = true;
      },
    };
    coalescedPredictions({ ...m, fitted: fittedWithDispose }).fitted.dispose?.();
    expect(disposed).toBe(true);
    expect(coalescedPredictions(m).fitted.dispose).toBeUndefined();
  });
});

describe('serving models from files', () => {
  it('loads an LSTM whose files are views into larger buffers, as readFileSync returns them', async () => {
    // small files come from Node's shared pool: their .buffer holds other bytes too
    const views = Object.fromEntries(
      Object.entries(fitted.final.candidate).map(([name, bytes]) => {
        const big = new Uint8Array(bytes.length + 64).fill(7);
        big.set(bytes, 32);
        return [name, big.subarray(32, 32 + bytes.length)];
      }),
    );
    const loaded = await servingModelFromFiles(views, { version: 5, features: fitted.features });
    const table = buildFeatureTable(BARS, fitted.features);
    const origins = [BARS.length - 1, BARS.length - 2];
    expect(await loaded.fitted.predict(table, origins)).toEqual(
      await model('lstm').fitted.predict(table, origins),
    );
    expect(loaded.rows).toBe(5);
  });

  it('an LSTM keeps its own avg_price formula; an unknown one is refused', async () => {
    const spec = JSON.parse(new TextDecoder().decode(fitted.final.candidate['feature_spec.json']));
    const withSpec = (avg: string) => ({
      ...fitted.final.candidate,
      'feature_spec.json': new TextEncoder().encode(JSON.stringify({ ...spec, avg_price: avg })),
    });
    const m = await servingModelFromFiles(withSpec('close'), {
      version: null,
      features: fitted.features,
    });
    expect(m.features.avgPrice).toBe('close');
    await expect(
      servingModelFromFiles(withSpec('vwap'), { version: null, features: fitted.features }),
    ).rejects.toThrow('feature_spec.json: unknown avg_price formula "vwap"');
  });
});
