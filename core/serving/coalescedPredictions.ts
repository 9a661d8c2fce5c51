import { FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { FittedModel, Origin } from '../model/forecaster.ts';
import type { ServingModel } from './servingModel.ts';

interface Pending {
  readonly table: FeatureTable;
  readonly origins: readonly Origin[];
  readonly resolve: (predictions: Float64Array) => void;
  readonly reject: (error: unknown) => void;
}

export interface CoalesceOptions {
  /**
   * Runs the batch after the requests that arrived together have queued: a macrotask
   * (setImmediate), so every request parsed in the same event-loop turn joins, and an isolated
   * request waits for nothing.
   */
  readonly schedule?: (run: () => void) => void;
  /** Origins per predict call at most; a larger queue runs in several calls. */
  readonly maxOrigins?: number;
}

/**
 * Dynamic batching: concurrent predict calls run as one. A tfjs LSTM predict costs ~1.6 ms
 * whether it forecasts 1 window or 16 (the op count is the same; the work per window is
 * small), so one call per request caps the endpoint near 500 requests/s while one call per
 * event-loop turn keeps up with thousands. Results are bit-identical to separate calls: each
 * origin's rows (origin − rows, origin] are copied into one table, and the model reads only
 * those rows, one output per window.
 */
export function coalescedPredictions(
  model: ServingModel,
  options: CoalesceOptions = {},
): ServingModel {
  const schedule = options.schedule ?? ((run: () => void) => setImmediate(run));
  const maxOrigins = options.maxOrigins ?? 8192;
  const rows = model.rows;
  let queue: Pending[] = [];
  let scheduled = false;

  const runBatch = async () => {
    scheduled = false;
    const batch: Pending[] = [];
    let total = 0;
    while (
      queue.length > 0 &&
      (batch.length === 0 || total + (queue[0] as Pending).origins.length <= maxOrigins)
    ) {
      const next = queue.shift() as Pending;
      batch.push(next);
      total += next.origins.length;
    }
    if (queue.length > 0) {
      scheduled = true;
      schedule(() => void runBatch());
    }
    // a request the model would refuse fails alone, not the whole batch
    const valid = batch.filter((p) => {
      const bad = p.origins.find(
        (o) => o - rows + 1 < p.table.firstComplete || o >= p.table.dates.length,
      );
      if (bad === undefined) return true;
      p.reject(new RangeError(`origin ${bad} has fewer than ${rows} complete feature rows`));
      return false;
    });
    if (valid.length === 1) {
      const only = valid[0] as Pending;
      model.fitted.predict(only.table, only.origins).then(only.resolve, only.reject);
      return;
    }
    if (valid.length === 0) return;
    try {
      const count = valid.reduce((n, p) => n + p.origins.length, 0);
      const predictions = await model.fitted.predict(...combined(valid, count, rows));
      let offset = 0;
      for (const p of valid) {
        p.resolve(predictions.slice(offset, offset + p.origins.length));
        offset += p.origins.length;
      }
    } catch (error) {
      for (const p of valid) p.reject(error);
    }
  };

  const fitted: FittedModel = {
    name: model.fitted.name,
    describe: () => model.fitted.describe(),
    predict(table, origins) {
      if (origins.length === 0) return Promise.resolve(new Float64Array(0));
      return new Promise((resolve, reject) => {
        queue.push({ table, origins, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          schedule(() => void runBatch());
        }
      });
    },
    ...(model.fitted.dispose
      ? {
          dispose: () => {
            queue = [];
            model.fitted.dispose?.();
          },
        }
      : {}),
  };
  return { ...model, fitted };
}

/** One table holding every request's windows end to end, and the origins to predict in it. */
function combined(
  batch: readonly Pending[],
  total: number,
  rows: number,
): [FeatureTable, Origin[]] {
  const columns = Object.fromEntries(
    FEATURE_COLUMNS.map((c) => [c, new Float64Array(total * rows)]),
  ) as Record<(typeof FEATURE_COLUMNS)[number], Float64Array>;
  const origins: Origin[] = [];
  let at = 0;
  for (const p of batch) {
    for (const origin of p.origins) {
      const first = origin - rows + 1;
      for (const c of FEATURE_COLUMNS) {
        columns[c].set(p.table.columns[c].subarray(first, origin + 1), at);
      }
      at += rows;
      origins.push(at - 1);
    }
  }
  return [
    {
      dates: new Array<string>(total * rows).fill(''),
      avgPrice: new Float64Array(total * rows).fill(Number.NaN),
      close: new Float64Array(total * rows).fill(Number.NaN),
      columns,
      firstComplete: 0,
    },
    origins,
  ];
}
