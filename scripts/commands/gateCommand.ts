import { readFileSync } from 'node:fs';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { EVALUATION_SCHEMA_V2, type Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import type { GateInput } from '../../core/gate/gateTypes.ts';
import { evaluateGate } from '../../core/gate/promotionGate.ts';
import { renderGateText } from '../../core/gate/renderGate.ts';
import { isIsoDate } from '../../core/market/isoDate.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

export interface GateOptions extends CommonOptions {
  /** Path of the candidate's evaluation.json. */
  readonly candidate: string;
  /** Path of the current champion's evaluation.json, on the same data. */
  readonly champion?: string;
  /** The champion's model name in that file (default: its candidate, else its best baseline). */
  readonly championModel?: string;
  /** Last session of the current curated data, YYYY-MM-DD. */
  readonly dataTo?: string;
  readonly json?: boolean;
}

/**
 * Reads an evaluation.json. Only what stops the gate from reading it at all is a usage error
 * (unreadable, not JSON, not a v2 evaluation); anything wrong inside is the gate's to reject.
 */
function readEvaluation(file: string, flag: string): Evaluation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${flag} ${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not valid JSON (${(error as Error).message})`);
  }
  const schema =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>).schema
      : undefined;
  if (schema !== EVALUATION_SCHEMA_V2) {
    throw new UsageError(
      `${flag} ${file}: not an evaluation (expected schema ${EVALUATION_SCHEMA_V2}, got ${schema === undefined ? 'none' : JSON.stringify(schema)})`,
    );
  }
  return parsed as Evaluation;
}

/** Runs the promotion gate on evaluation files: exit 0 approve, 1 reject. */
export async function gateCommand(options: GateOptions): Promise<number> {
  const { config } = loadConfig({ dir: options.config, env: options.env });
  if (options.dataTo !== undefined && !isIsoDate(options.dataTo)) {
    throw new UsageError(`--data-to: expected a date such as 2024-06-28 (got "${options.dataTo}")`);
  }
  if (options.championModel !== undefined && options.champion === undefined) {
    throw new UsageError('--champion-model needs --champion (the evaluation that holds it)');
  }
  const candidate = readEvaluation(options.candidate, '--candidate');
  let input: GateInput = { candidate, thresholds: config.gate };
  if (options.champion !== undefined) {
    const evaluation = readEvaluation(options.champion, '--champion');
    const model = options.championModel ?? evaluation.candidate ?? evaluation.best_baseline;
    input = { ...input, champion: { evaluation, model } };
  }
  if (options.dataTo !== undefined) input = { ...input, dataTo: options.dataTo };

  const decision = evaluateGate(input);
  process.stdout.write(options.json ? `${JSON.stringify(decision)}\n` : renderGateText(decision));
  return decision.decision === 'approve' ? EXIT_OK : EXIT_FAILED;
}
