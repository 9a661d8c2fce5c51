import { analyseDrift } from './core/monitor/driftAnalysis.ts';
import { regimeBars, monitorConfig, monitoredStore } from './test/monitor/monitorFixtures.ts';
import { servingModelFromRegistry } from './core/serving/registryModels.ts';
import { featureOptions } from './core/features/featureOptions.ts';
const cfg = monitorConfig();
let fa: Record<string, number> = {}; let psiMax: number[] = [];
for (let seed = 1; seed <= 40; seed++) {
  const bars = regimeBars(700, { seed });
  const { registry } = await monitoredStore('TEST', bars, 'last_close');
  const { model, pkg } = await servingModelFromRegistry(registry, 'TEST', 'champion', featureOptions(cfg));
  const r = await analyseDrift({ symbol: 'TEST', bars, settings: cfg.monitor!, champion: { model, id: pkg.id, trainedTo: null }, baseline: { model } });
  for (const [k, v] of Object.entries(r.features)) { if (v.drifted) fa[k] = (fa[k] ?? 0) + 1; if (k==='volatility') psiMax.push(v.psi); }
  if (r.prediction!.drifted) fa.prediction = (fa.prediction ?? 0) + 1;
  if (r.status === 'drift') fa.any = (fa.any ?? 0) + 1;
}
psiMax.sort((a,b)=>a-b);
console.log(fa, psiMax.map(x=>x.toFixed(2)).join(' '));
