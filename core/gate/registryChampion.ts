import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import { get } from './gateRead.ts';
import type { GateChampion } from './gateTypes.ts';

/** The registered package now serving (the group's latest Approved version). */
export type RegisteredChampion =
  | {
      readonly kind: 'baseline';
      /** The model's name in the evaluations (`last_close`). */
      readonly model: string;
      readonly version: number;
    }
  | {
      readonly kind: 'candidate';
      readonly model: string;
      readonly version: number;
      /** The evaluation shipped in the champion's own artifact (made on the data of its day). */
      readonly evaluation: Evaluation;
    };

/**
 * The champion the gate compares with, chosen as the local pipeline's championForGate does,
 * minus the re-evaluation a GitHub runner cannot do:
 *
 * - a baseline champion is refitted in every evaluation, so the candidate's own evaluation
 *   scores it on the candidate's data;
 * - an LSTM champion with the candidate's hyperparameters would score exactly as the candidate
 *   does on the same data (same seed), so the candidate's evaluation stands for it too;
 * - any other champion is given with its own evaluation. On other data the gate's
 *   champion_same_data check rejects, fail-closed, saying so: retraining the champion's
 *   hyperparameters on today's data, or `stockops run`, produces a comparable evaluation.
 */
export function championFromRegistry(
  candidate: Evaluation,
  champion: RegisteredChampion | undefined,
): GateChampion | undefined {
  if (champion === undefined) return undefined;
  const base = { version: champion.version, model: champion.model };
  if (champion.kind === 'baseline') return { ...base, evaluation: candidate };
  const mine = hyperparametersOf(candidate, get(candidate, 'candidate'));
  const theirs = hyperparametersOf(champion.evaluation, champion.model);
  if (mine !== undefined && mine === theirs && get(candidate, 'models', champion.model)) {
    return { ...base, evaluation: candidate };
  }
  return { ...base, evaluation: champion.evaluation };
}

/** A model's params without its training report, as canonical JSON; undefined if absent. */
function hyperparametersOf(evaluation: Evaluation, model: unknown): string | undefined {
  if (typeof model !== 'string') return undefined;
  const params = get(evaluation, 'models', model, 'params');
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const entries = Object.entries(params as Record<string, unknown>)
    .filter(([k]) => k !== 'training')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}
