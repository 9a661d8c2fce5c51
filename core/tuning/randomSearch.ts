import { seededRandom } from '../model/seededRandom.ts';
import { type ParameterRange, sampleTrial, type TrialParameters } from './searchSpace.ts';

export interface TrialResult {
  readonly trial: number;
  readonly params: TrialParameters;
  /** The objective (lower is better); NaN when the trial failed. */
  readonly objective: number;
  readonly error?: string;
}

export interface SearchResult {
  readonly trials: readonly TrialResult[];
  readonly best: TrialResult;
}

/**
 * Random search: `trials` seeded draws from the space, each scored by `objective` (the
 * walk-forward error over the folds; the hold-out is never shown to it). A trial that throws is
 * recorded with its error and skipped; if every trial fails the search fails.
 */
export async function randomSearch(input: {
  readonly space: readonly ParameterRange[];
  readonly trials: number;
  readonly seed: number;
  readonly objective: (params: TrialParameters) => Promise<number>;
  readonly onTrial?: (result: TrialResult) => void;
}): Promise<SearchResult> {
  const random = seededRandom(input.seed);
  const results: TrialResult[] = [];
  for (let trial = 1; trial <= input.trials; trial++) {
    const params = sampleTrial(input.space, random);
    let result: TrialResult;
    try {
      result = { trial, params, objective: await input.objective(params) };
    } catch (error) {
      result = { trial, params, objective: Number.NaN, error: (error as Error).message };
    }
    results.push(result);
    input.onTrial?.(result);
  }
  const scored = results.filter((r) => Number.isFinite(r.objective));
  const best = scored.reduce<TrialResult | undefined>(
    (b, r) => (b === undefined || r.objective < b.objective ? r : b),
    undefined,
  );
  if (!best) {
    throw new Error(
      `every tuning trial failed; the first: ${results[0]?.error ?? 'no trials were run'}`,
    );
  }
  return { trials: results, best };
}
