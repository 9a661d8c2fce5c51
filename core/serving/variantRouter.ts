import type { ServedVariant } from './invocation.ts';
import { InvocationError } from './invocationError.ts';

/** SageMaker's VariantName pattern, so a local variant name is also a valid production variant. */
const VARIANT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** The header a caller uses to pick a variant, as with SageMaker's InvokeEndpoint TargetVariant. */
export const TARGET_VARIANT_HEADER = 'x-amzn-sagemaker-target-variant';

export interface VariantRouter {
  readonly variants: readonly ServedVariant[];
  /**
   * The named variant when a target is given (400 for a name the endpoint does not have);
   * otherwise the next one by weight.
   */
  route(target: string | undefined): ServedVariant;
}

/** 1/φ: the additive recurrence n/φ mod 1 fills [0, 1) as evenly as any sequence can. */
const INVERSE_GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Routes unaddressed requests by weight, deterministically: request n goes to the variant whose
 * share of [0, 1) holds frac(n/φ). Over any N requests each variant's count is within a few of
 * N·weight (a low-discrepancy sequence, unlike coin flips), and the same request order always
 * gives the same split, so A/B tests and their checks are reproducible. A weight-0 variant is
 * reachable only by name.
 */
export function variantRouter(variants: readonly ServedVariant[]): VariantRouter {
  checkVariants(variants);
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const bounds: number[] = [];
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.weight / total;
    bounds.push(cumulative);
  }
  const byName = new Map(variants.map((v) => [v.name, v]));
  const names = variants.map((v) => v.name).join(', ');
  let n = 0;
  return {
    variants,
    route(target) {
      if (target !== undefined) {
        const chosen = byName.get(target);
        if (!chosen) {
          throw new InvocationError(
            400,
            `target variant "${target}" is not served here: variants are ${names}`,
          );
        }
        return chosen;
      }
      n += 1;
      const u = (n * INVERSE_GOLDEN) % 1;
      for (let i = 0; i < variants.length; i++) {
        const v = variants[i] as ServedVariant;
        if (v.weight > 0 && u < (bounds[i] as number)) return v;
      }
      // u within rounding of 1 and trailing zero weights: the last weighted variant
      return variants.findLast((v) => v.weight > 0) as ServedVariant;
    },
  };
}

function checkVariants(variants: readonly ServedVariant[]): void {
  if (variants.length === 0) throw new RangeError('an endpoint needs at least one variant');
  const seen = new Set<string>();
  for (const v of variants) {
    if (!VARIANT_NAME.test(v.name)) {
      throw new RangeError(
        `variant name "${v.name}" is not valid: letters, digits and inner hyphens, up to 63 characters`,
      );
    }
    if (seen.has(v.name)) throw new RangeError(`two variants are named "${v.name}"`);
    seen.add(v.name);
    if (!Number.isFinite(v.weight) || v.weight < 0) {
      throw new RangeError(`variant ${v.name}: weight must be a number ≥ 0 (got ${v.weight})`);
    }
  }
  if (!variants.some((v) => v.weight > 0)) {
    throw new RangeError('at least one variant needs a weight above 0');
  }
}

/**
 * `0.9,0.1` → [0.9, 0.1]: one weight per variant, in order (champion first). Any non-negative
 * numbers with a positive sum; they are used as proportions, like SageMaker's
 * InitialVariantWeight.
 */
export function parseWeights(text: string, count: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const weights = parts.map(Number);
  if (
    parts.length !== count ||
    parts.some((p) => p === '') ||
    weights.some((w) => !Number.isFinite(w) || w < 0) ||
    !weights.some((w) => w > 0)
  ) {
    throw new RangeError(
      `weights "${text}": expected ${count} comma-separated numbers ≥ 0 with a positive sum, one per variant (e.g. ${count === 2 ? '0.9,0.1' : '1'})`,
    );
  }
  return weights;
}
