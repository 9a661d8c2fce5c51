import { describe, expect, it } from 'vitest';
import {
  AVG_PRICE_METHODS,
  ENVIRONMENTS,
  type StockopsConfig,
} from '../../core/config/configTypes.ts';
import {
  CONFIG_SCHEMA,
  closest,
  editDistance,
  isCalendarDate,
} from '../../core/config/validateConfig.ts';

interface SchemaNode {
  readonly description?: unknown;
  readonly type?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly required?: readonly string[];
  readonly additionalProperties?: unknown;
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
}

const schema = CONFIG_SCHEMA as SchemaNode;

/** Every sub-schema with its dotted path (`gate.max_mape`, `symbols[]`). */
function walk(node: SchemaNode, path = '(root)'): [string, SchemaNode][] {
  const found: [string, SchemaNode][] = [[path, node]];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    found.push(...walk(child, path === '(root)' ? key : `${path}.${key}`));
  }
  if (node.items !== undefined) found.push(...walk(node.items, `${path}[]`));
  return found;
}

describe('config/schema.json', () => {
  const nodes = walk(schema);

  it('describes every property at every level', () => {
    const undescribed = nodes
      .filter(([, n]) => typeof n.description !== 'string' || n.description.trim() === '')
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
    expect(nodes.length).toBeGreaterThan(30);
  });

  it('gives every value a type and closes every mapping to unknown keys', () => {
    expect(nodes.filter(([, n]) => n.type === undefined).map(([p]) => p)).toEqual([]);
    const objects = nodes.filter(([, n]) => n.type === 'object');
    expect(objects.filter(([, n]) => n.additionalProperties !== false).map(([p]) => p)).toEqual([]);
    for (const [path, node] of objects) {
      const keys = Object.keys(node.properties ?? {});
      expect(
        (node.required ?? []).filter((k) => !keys.includes(k)),
        path,
      ).toEqual([]);
    }
  });

  it('lists the same avg_price methods as the code', () => {
    expect(schema.properties?.features?.properties?.avg_price?.enum).toEqual([
      ...AVG_PRICE_METHODS,
    ]);
  });
});

/** For each key of T: whether it is optional, and the same for its keys if it is a mapping. */
type Shape<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] | string | number | boolean
    ? Presence<T, K>
    : { readonly presence: Presence<T, K>; readonly keys: Shape<NonNullable<T[K]>> };
};
type Presence<T, K extends keyof T> = object extends Pick<T, K> ? 'optional' : 'required';
type ShapeNode = string | { readonly presence: string; readonly keys: Record<string, ShapeNode> };

const POLICY_SHAPE = {
  presence: 'optional',
  keys: {
    max_attempts: 'optional',
    initial_delay_ms: 'optional',
    max_delay_ms: 'optional',
    attempt_timeout_ms: 'optional',
    breaker_failures: 'optional',
    breaker_half_open_ms: 'optional',
  },
} as const;

// Type-checked against StockopsConfig by `tsc`: a key added to, removed from or made optional
// in the interface fails to compile until this is updated; the test compares it to the schema.
const TYPE_SHAPE: Shape<StockopsConfig> = {
  symbols: 'required',
  data: {
    presence: 'required',
    keys: {
      source: 'required',
      start_date: 'required',
      yahoo: {
        presence: 'required',
        keys: {
          base_url: 'required',
          timeout_ms: 'required',
        },
      },
    },
  },
  store: { presence: 'required', keys: { root: 'required' } },
  quality: {
    presence: 'required',
    keys: {
      max_daily_move: 'required',
      split_ratio_tolerance: 'required',
      max_missing_sessions: 'required',
    },
  },
  features: {
    presence: 'required',
    keys: {
      avg_price: 'required',
      volatility_window: 'required',
      volume_window: 'required',
      window: 'required',
    },
  },
  evaluation: {
    presence: 'required',
    keys: {
      folds: 'required',
      test_days: 'required',
      gap_days: 'required',
      holdout_days: 'required',
      min_train_days: 'required',
    },
  },
  gate: {
    presence: 'required',
    keys: {
      max_error_ratio: 'required',
      max_dm_p_value: 'required',
      min_directional_accuracy: 'required',
      min_directional_accuracy_over_base_rate: 'required',
      min_improvement_vs_champion: 'required',
      max_mape: 'required',
      max_rmse_return: 'required',
    },
  },
  model: {
    presence: 'required',
    keys: {
      units: 'required',
      layers: 'required',
      dropout: 'required',
      epochs: 'required',
      batch_size: 'required',
      learning_rate: 'required',
      patience: 'required',
      validation_fraction: 'required',
      max_train_days: 'required',
      warm_start: 'required',
      seed: 'required',
    },
  },
  tuning: {
    presence: 'required',
    keys: {
      trials: 'required',
      ranges: {
        presence: 'required',
        keys: {
          units: 'required',
          learning_rate: 'required',
          dropout: 'required',
          window: 'required',
        },
      },
    },
  },
  monitor: {
    presence: 'optional',
    keys: {
      psi_threshold: 'required',
      ks_p_value: 'required',
      reference_days: 'required',
      recent_days: 'required',
      error_window_days: 'required',
      max_error_ratio: 'required',
      consecutive_days: 'required',
      retrain_on_trigger: 'required',
    },
  },
  serving: {
    presence: 'optional',
    keys: { port: 'required', host: 'required', challenger: 'required', weights: 'required' },
  },
  processing: { presence: 'optional', keys: { engine: 'required' } },
  resilience: {
    presence: 'optional',
    keys: {
      yahoo: POLICY_SHAPE,
      s3: POLICY_SHAPE,
      sagemaker: POLICY_SHAPE,
      mwaa: POLICY_SHAPE,
      sns: POLICY_SHAPE,
      secrets: POLICY_SHAPE,
      github: POLICY_SHAPE,
      cloudwatch_logs: POLICY_SHAPE,
    },
  },
  aws: {
    presence: 'optional',
    keys: {
      region: 'required',
      account_id: 'optional',
      github: {
        presence: 'required',
        keys: { owner: 'required', repo: 'required', dispatch_token_secret: 'optional' },
      },
      tags: { presence: 'required', keys: { owner: 'required', cost_centre: 'required' } },
      storage: {
        presence: 'required',
        keys: {
          raw_infrequent_access_days: 'required',
          raw_archive_days: 'required',
          noncurrent_expiration_days: 'required',
          access_log_retention_days: 'required',
        },
      },
      network: { presence: 'required', keys: { max_azs: 'required', nat_gateways: 'required' } },
      mwaa: {
        presence: 'required',
        keys: {
          airflow_version: 'required',
          environment_class: 'required',
          min_workers: 'required',
          max_workers: 'required',
        },
      },
      ingest: {
        presence: 'required',
        keys: {
          schedule_expression: 'required',
          schedule_timezone: 'required',
          retry_attempts: 'required',
          maximum_event_age_seconds: 'required',
          reserved_concurrency: 'required',
          memory_mb: 'required',
          timeout_seconds: 'required',
        },
      },
      training: {
        presence: 'required',
        keys: {
          instance_type: 'required',
          instance_count: 'required',
          volume_gb: 'required',
          max_runtime_seconds: 'required',
          use_spot: 'required',
          max_wait_seconds: 'required',
          checkpoint_s3_prefix: 'required',
          train_channel_prefix: 'required',
          output_prefix: 'required',
        },
      },
      endpoint: {
        presence: 'required',
        keys: {
          instance_type: 'required',
          min_capacity: 'required',
          max_capacity: 'required',
          target_invocations_per_instance: 'required',
          data_capture_percent: 'required',
          mode: 'required',
          serverless: {
            presence: 'required',
            keys: { memory_mb: 'required', max_concurrency: 'required' },
          },
        },
      },
      alerts: {
        presence: 'required',
        keys: {
          pipeline_failure: 'required',
          data_quality: 'required',
          model_degradation: 'required',
          infrastructure: 'required',
        },
      },
      alarms: {
        presence: 'required',
        keys: {
          lambda_errors: 'required',
          dlq_depth: 'required',
          endpoint_5xx: 'required',
          endpoint_latency_p99_ms: 'required',
          model_error_ratio: 'required',
        },
      },
      budget: {
        presence: 'required',
        keys: {
          monthly_usd: 'required',
          actual_alert_percent: 'required',
          forecasted_alert_percent: 'required',
        },
      },
      cost: {
        presence: 'required',
        keys: {
          price_table: 'required',
          runs_per_month: 'required',
          training_minutes_per_run: 'required',
          training_instance_type: 'required',
          spot_training: 'required',
          batch_transform_minutes_per_run: 'required',
          requests_per_day: 'required',
          inference_seconds_per_request: 'required',
          payload_kb_per_request: 'required',
          storage_gb: 'required',
          log_gb_per_month: 'required',
          emr_vcpu_hours_per_month: 'required',
        },
      },
      emr: { presence: 'required', keys: { enabled: 'required', release_label: 'required' } },
    },
  },
};

function schemaShape(node: SchemaNode): Record<string, ShapeNode> {
  const shape: Record<string, ShapeNode> = {};
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const presence = node.required?.includes(key) ? 'required' : 'optional';
    shape[key] = child.type === 'object' ? { presence, keys: schemaShape(child) } : presence;
  }
  return shape;
}

describe('StockopsConfig', () => {
  it('has the keys, nesting and required keys of the schema', () => {
    expect(TYPE_SHAPE).toEqual(schemaShape(schema));
  });
});

describe('validation helpers', () => {
  it('measures edit distance with transpositions', () => {
    expect(editDistance('max_eror_ratio', 'max_error_ratio')).toBe(1);
    expect(editDistance('sybmols', 'symbols')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('suggests only plausible typos', () => {
    const keys = ['folds', 'test_days', 'gap_days', 'holdout_days', 'min_train_days'];
    expect(closest('fold', keys)).toBe('folds');
    expect(closest('gap_day', keys)).toBe('gap_days');
    expect(closest('Min_Train_Days', keys)).toBe('min_train_days');
    expect(closest('notify', keys)).toBeUndefined();
    expect(closest('x', keys)).toBeUndefined();
  });

  it('knows real calendar dates', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2023-13-01')).toBe(false);
    expect(isCalendarDate('2023-1-01')).toBe(false);
  });

  it('has one overlay name per environment', () => {
    expect(ENVIRONMENTS).toEqual(['local', 'dev', 'staging', 'prod']);
  });
});
