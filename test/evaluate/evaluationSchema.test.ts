import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { evaluateWalkForward } from '../../core/evaluate/walkForwardEvaluation.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { baselineForecasters } from '../../core/model/baselines.ts';
import type { Forecaster } from '../../core/model/forecaster.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

interface SchemaNode {
  readonly description?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly $defs?: Record<string, SchemaNode>;
}

const schema = JSON.parse(readFileSync('docs/schemas/evaluation.v2.schema.json', 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const table = buildFeatureTable(syntheticBars(120), {
  avgPrice: '(high+low)/2',
  volatilityWindow: 5,
  volumeWindow: 5,
});
const candidate: Forecaster = {
  name: 'lstm',
  kind: 'candidate',
  async fit() {
    return {
      name: 'lstm',
      async predict(t, origins) {
        return Float64Array.from(origins, (o) => (t.columns.close_to_avg[o] as number) / 2);
      },
      describe: () => ({ units: 16, window: 3 }),
    };
  },
};

const evaluate = (forecasters: Forecaster[]) =>
  evaluateWalkForward({
    symbol: 'TEST',
    table,
    window: 3,
    plan: { folds: 3, testDays: 10, gapDays: 2, holdoutDays: 5, minTrainDays: 20 },
    maxTrainDays: 30,
    forecasters,
    configHash: 'c'.repeat(64),
    avgPrice: '(high+low)/2',
    dataSha256: 'd'.repeat(64),
    createdAt: '2026-01-02T03:04:05.000Z',
  });

describe('docs/schemas/evaluation.v2.schema.json', () => {
  it('accepts what evaluateWalkForward writes, with and without a candidate', async () => {
    for (const forecasters of [[...baselineForecasters(), candidate], baselineForecasters()]) {
      const json = JSON.parse(JSON.stringify(await evaluate(forecasters)));
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects an evaluation with a missing score or a stray field', async () => {
    const json = JSON.parse(JSON.stringify(await evaluate(baselineForecasters())));
    delete json.models.drift.holdout.scores.mase;
    json.extra = 1;
    expect(validate(json)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toContain('/models/drift/holdout/scores required');
    expect(paths).toContain(' additionalProperties');
  });

  it('describes every property', () => {
    const undescribed: string[] = [];
    const walk = (node: SchemaNode, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (typeof child.description !== 'string') undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
    };
    walk(schema, '(root)');
    for (const [name, def] of Object.entries((schema as SchemaNode).$defs ?? {})) {
      if (typeof def.description !== 'string') undescribed.push(`$defs.${name}`);
      walk(def, `$defs.${name}`);
    }
    expect(undescribed).toEqual([]);
  });
});
