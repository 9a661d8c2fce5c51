import type { PriceBar } from '../market/priceBar.ts';

/** The formulas config may name for `features.avg_price` (the schema lists the same set). */
export const AVG_PRICE_FORMULAS = {
  '(high+low)/2': (b: PriceBar) => (b.high + b.low) / 2,
  '(high+low+close)/3': (b: PriceBar) => (b.high + b.low + b.close) / 3,
  '(open+high+low+close)/4': (b: PriceBar) => (b.open + b.high + b.low + b.close) / 4,
  close: (b: PriceBar) => b.close,
} as const satisfies Record<string, (b: PriceBar) => number>;

export type AvgPriceFormula = keyof typeof AVG_PRICE_FORMULAS;

export function isAvgPriceFormula(value: string): value is AvgPriceFormula {
  return Object.hasOwn(AVG_PRICE_FORMULAS, value);
}

export function avgPrices(bars: readonly PriceBar[], formula: AvgPriceFormula): Float64Array {
  const f = AVG_PRICE_FORMULAS[formula];
  const out = new Float64Array(bars.length);
  for (let i = 0; i < bars.length; i++) out[i] = f(bars[i] as PriceBar);
  return out;
}
