#!/usr/bin/env node
// core/features on bars given as JSON on stdin, the result as JSON on stdout: the TypeScript
// side of the differential test in processing/tests (random series through both
// implementations). Input: {"bars": {SYMBOL: [[date, open, high, low, close, adj_close,
// volume], …]}, "cases": [{"name", "options": {avg_price, volatility_window, volume_window}}]};
// output: the golden file's shape (feature rows per case and symbol).
import { readFileSync } from 'node:fs';
import { featureCases, type GoldenOptions, rowsToBars } from './features/featureGolden.ts';

interface Input {
  readonly bars: Record<string, (string | number)[][]>;
  readonly cases: { name: string; options: GoldenOptions }[];
}

const input = JSON.parse(readFileSync(0, 'utf8')) as Input;
const bars = Object.fromEntries(Object.entries(input.bars).map(([s, r]) => [s, rowsToBars(r)]));
process.stdout.write(`${JSON.stringify({ cases: featureCases(bars, input.cases) })}\n`);
