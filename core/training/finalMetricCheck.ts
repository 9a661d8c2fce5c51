import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import { metricLines } from './metricLines.ts';

/** SageMaker keeps metric values as 32-bit floats: about seven significant digits survive. */
const RELATIVE_TOLERANCE = 1e-6;

/**
 * The job's final metric values that contradict the evaluation found in its artifact, one line
 * each; [] when they agree. The container prints the aggregate gate metrics last
 * (metricLines), so each final value is the evaluation's own number: a mismatch means the
 * artifact is not the one this job produced. Metrics the job did not report are not compared
 * (moto reports none of ours; SageMaker drops values it cannot parse).
 */
export function finalMetricMismatches(
  metrics: Readonly<Record<string, number>>,
  evaluation: Evaluation,
): string[] {
  const expected = new Map<string, number>();
  for (const line of metricLines(evaluation)) {
    const eq = line.indexOf('=');
    expected.set(line.slice(0, eq), Number(line.slice(eq + 1)));
  }
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const got = metrics[name];
    if (got === undefined) continue;
    if (Math.abs(got - want) > RELATIVE_TOLERANCE * Math.max(Math.abs(want), 1e-12)) {
      problems.push(`${name}: the job reported ${got}, its evaluation.json says ${want}`);
    }
  }
  return problems;
}
