import type { MonitorConfig, StockopsConfig } from '../config/configTypes.ts';

/** The defaults of config/base.yaml, for configs without a `monitor` section. */
export const DEFAULT_MONITOR: MonitorConfig = {
  psi_threshold: 0.25,
  ks_p_value: 0.01,
  reference_days: 500,
  recent_days: 120,
  error_window_days: 20,
  max_error_ratio: 1.1,
  consecutive_days: 3,
  retrain_on_trigger: false,
};

/** The effective monitor settings; windows that cannot work together are a clear error. */
export function monitorSettings(config: StockopsConfig): MonitorConfig {
  const m = config.monitor ?? DEFAULT_MONITOR;
  if (m.error_window_days > m.recent_days) {
    throw new Error(
      `config monitor.error_window_days (${m.error_window_days}) must be at most monitor.recent_days (${m.recent_days}): the rolling error is computed inside the recent window`,
    );
  }
  return m;
}
