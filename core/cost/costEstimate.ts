import type { AwsConfig } from '../config/configTypes.ts';
import { type PriceTable, unconfirmedPrices } from './priceTable.ts';

export const COST_ESTIMATE_FORMAT = 'stockops.cost-estimate/v1';

/**
 * What the CDK app deploys that is billed by the hour or month whatever the usage. Kept here
 * (core cannot import infra/); test/infra/costFacts.test.ts checks them against the templates.
 */
export interface InfraFacts {
  /** Interface VPC endpoints (each billed per AZ-hour); the S3 gateway endpoint is free. */
  readonly interfaceEndpoints: number;
  readonly kmsKeys: number;
  readonly dashboards: number;
  readonly alarms: number;
  readonly snsTopics: number;
}

/**
 * The facts of one environment's templates (test/infra/costControls.test.ts holds them equal):
 * ingest errors, ingest dead letters, ingest and dispatch failure queues, model error ratio,
 * plus the two endpoint alarms when the serving mode has an endpoint.
 */
export function infraFacts(aws: AwsConfig): InfraFacts {
  return {
    interfaceEndpoints: 12,
    kmsKeys: 1,
    dashboards: 1,
    alarms: 5 + (aws.endpoint.mode === 'batch' ? 0 : 2),
    snsTopics: 4,
  };
}

/** Training settings from `aws.training` when the config has them (another section's owner). */
export interface TrainingSettings {
  readonly instance_type?: string;
  readonly instance_count?: number;
  readonly use_spot?: boolean;
}

export interface CostLine {
  readonly service: string;
  readonly usd: number;
  /** How the figure was computed, with the prices used. */
  readonly detail: string;
}

export interface CostEstimate {
  readonly format: typeof COST_ESTIMATE_FORMAT;
  readonly env: string;
  readonly region: string;
  readonly price_table: string;
  readonly retrieved: string;
  readonly lines: readonly CostLine[];
  readonly total_usd: number;
  readonly budget_usd: number;
  readonly assumptions: readonly string[];
  readonly excluded: readonly string[];
  readonly unconfirmed_prices: readonly string[];
}

/** Fixed per-run usage the estimate assumes; listed in its output. */
export const RUN_USAGE = {
  /** S3 writes and reads per symbol per pipeline run (raw, curated, features, runs/, registry). */
  s3PutsPerSymbolRun: 20,
  s3GetsPerSymbolRun: 200,
  /** Billed seconds of one ingest Lambda invocation. */
  lambdaSecondsPerRun: 10,
  /** SNS notifications per run (the run report); each goes to every e-mail subscriber. */
  notificationsPerRun: 1,
  /** EMR Serverless memory per vCPU (its default worker is 4 vCPU / 16 GB). */
  emrGbPerVcpu: 4,
} as const;

export class CostEstimateError extends Error {
  override readonly name = 'CostEstimateError';
}

const money = (n: number) => `$${n < 0.01 && n > 0 ? n.toPrecision(2) : n.toFixed(2)}`;
const rate = (n: number) => `$${n}`;

function priceOf(
  map: Readonly<Record<string, number>>,
  key: string,
  what: string,
  table: string,
): number {
  const price = map[key];
  if (price === undefined) {
    throw new CostEstimateError(
      `${table}: no ${what} price for ${key} (has ${Object.keys(map).join(', ')}); add it from the source page`,
    );
  }
  return price;
}

export interface EstimateInput {
  readonly env: string;
  readonly aws: AwsConfig;
  readonly symbols: number;
  readonly prices: PriceTable;
  /** The price table's path, for messages and the output. */
  readonly priceTableFile: string;
  readonly training?: TrainingSettings;
  readonly facts?: InfraFacts;
}

/**
 * A monthly estimate per service from the environment's config, the usage assumptions in
 * `aws.cost` and a dated price table. Pure: the same inputs give the same figures.
 */
export function estimateMonthlyCost(input: EstimateInput): CostEstimate {
  const { aws, prices: p, priceTableFile: file } = input;
  const c = aws.cost;
  const facts = input.facts ?? infraFacts(aws);
  const hours = p.hours_per_month;
  const days = hours / 24;
  const lines: CostLine[] = [];
  const add = (service: string, usd: number, detail: string) =>
    lines.push({ service, usd, detail });

  // MWAA: always on, whatever the schedule.
  const mw = aws.mwaa;
  const envHourly = priceOf(
    p.mwaa.environment_hourly,
    mw.environment_class,
    'MWAA environment',
    file,
  );
  const extraWorkers = Math.max(0, mw.min_workers - 1);
  const workerHourly =
    extraWorkers === 0
      ? 0
      : priceOf(p.mwaa.additional_worker_hourly, mw.environment_class, 'MWAA worker', file);
  add(
    'MWAA',
    envHourly * hours + extraWorkers * workerHourly * hours,
    `${mw.environment_class} ${rate(envHourly)}/h × ${hours} h` +
      (extraWorkers > 0 ? ` + ${extraWorkers} extra worker × ${rate(workerHourly)}/h` : ''),
  );

  // SageMaker training: aws.training wins over the cost assumptions where it says something.
  const t = input.training ?? {};
  const trainType = t.instance_type ?? c.training_instance_type;
  const trainCount = t.instance_count ?? 1;
  const spot = t.use_spot ?? c.spot_training;
  const trainHourly = priceOf(p.sagemaker.training_hourly, trainType, 'SageMaker training', file);
  const trainHours = (c.runs_per_month * c.training_minutes_per_run * trainCount) / 60;
  const spotFactor = spot ? p.sagemaker.spot_price_fraction : 1;
  add(
    'SageMaker training',
    trainHours * trainHourly * spotFactor,
    `${c.runs_per_month} runs × ${c.training_minutes_per_run} min × ${trainCount} ${trainType} × ${rate(trainHourly)}/h` +
      (spot ? ` × ${spotFactor} (managed spot)` : ' (on-demand)'),
  );

  // Serving, by mode.
  const e = aws.endpoint;
  if (e.mode === 'realtime') {
    const hourly = priceOf(p.sagemaker.hosting_hourly, e.instance_type, 'SageMaker hosting', file);
    add(
      'SageMaker endpoint (realtime)',
      e.min_capacity * hourly * hours,
      `${e.min_capacity} × ${e.instance_type} ${rate(hourly)}/h × ${hours} h (scale-out above min_capacity not included)`,
    );
  } else if (e.mode === 'serverless') {
    const requests = c.requests_per_day * days;
    const gbSeconds = requests * c.inference_seconds_per_request * (e.serverless.memory_mb / 1024);
    const dataGb = (requests * c.payload_kb_per_request) / (1024 * 1024);
    add(
      'SageMaker endpoint (serverless)',
      gbSeconds * p.sagemaker.serverless_gb_second + dataGb * p.sagemaker.serverless_data_gb,
      `${Math.round(requests)} requests × ${c.inference_seconds_per_request} s × ${e.serverless.memory_mb / 1024} GB × ${rate(p.sagemaker.serverless_gb_second)}/GB-s + ${dataGb.toFixed(4)} GB × ${rate(p.sagemaker.serverless_data_gb)}/GB`,
    );
  } else {
    const hourly = priceOf(
      p.sagemaker.transform_hourly,
      e.instance_type,
      'SageMaker batch transform',
      file,
    );
    add(
      'SageMaker batch transform',
      ((c.runs_per_month * c.batch_transform_minutes_per_run) / 60) * hourly,
      `${c.runs_per_month} runs × ${c.batch_transform_minutes_per_run} min × ${e.instance_type} ${rate(hourly)}/h (no endpoint)`,
    );
  }

  // S3.
  const puts = c.runs_per_month * input.symbols * RUN_USAGE.s3PutsPerSymbolRun;
  const gets = c.runs_per_month * input.symbols * RUN_USAGE.s3GetsPerSymbolRun;
  add(
    'S3',
    c.storage_gb * p.s3.standard_gb_month +
      (puts / 1000) * p.s3.put_per_1000 +
      (gets / 1000) * p.s3.get_per_1000,
    `${c.storage_gb} GB × ${rate(p.s3.standard_gb_month)} + ${puts} PUT + ${gets} GET`,
  );

  // Lambda (ingest, arm64).
  const invocations = c.runs_per_month;
  const lambdaGbS = invocations * RUN_USAGE.lambdaSecondsPerRun * (aws.ingest.memory_mb / 1024);
  add(
    'Lambda',
    (invocations / 1e6) * p.lambda.requests_per_million + lambdaGbS * p.lambda.arm_gb_second,
    `${invocations} invocations × ${RUN_USAGE.lambdaSecondsPerRun} s × ${aws.ingest.memory_mb} MB (arm64)`,
  );

  // EMR Serverless, when enabled.
  if (aws.emr.enabled) {
    const vcpuH = c.emr_vcpu_hours_per_month;
    const gbH = vcpuH * RUN_USAGE.emrGbPerVcpu;
    add(
      'EMR Serverless',
      vcpuH * p.emr_serverless.arm_vcpu_hour + gbH * p.emr_serverless.arm_gb_hour,
      `${vcpuH} vCPU-h × ${rate(p.emr_serverless.arm_vcpu_hour)} + ${gbH} GB-h × ${rate(p.emr_serverless.arm_gb_hour)} (arm64)`,
    );
  } else {
    add('EMR Serverless', 0, 'disabled (aws.emr.enabled: false)');
  }

  // CloudWatch.
  const cw = p.cloudwatch;
  add(
    'CloudWatch',
    facts.alarms * cw.alarm_month +
      facts.dashboards * cw.dashboard_month +
      c.log_gb_per_month * (cw.logs_ingest_gb + cw.logs_store_gb_month),
    `${facts.alarms} alarms × ${rate(cw.alarm_month)} + ${facts.dashboards} dashboard × ${rate(cw.dashboard_month)} + ${c.log_gb_per_month} GB logs × ${rate(cw.logs_ingest_gb)} ingest (+ ${rate(cw.logs_store_gb_month)}/GB-month kept)`,
  );

  // SNS.
  const subscribers = Object.values(aws.alerts).reduce((n, list) => n + list.length, 0);
  const publishes = c.runs_per_month * RUN_USAGE.notificationsPerRun;
  add(
    'SNS',
    (publishes / 1e6) * p.sns.publish_per_million +
      ((publishes * subscribers) / 100_000) * p.sns.email_per_100000,
    `${publishes} publishes, ${subscribers} e-mail subscribers`,
  );

  // VPC: interface endpoints are billed per AZ-hour, NAT gateways per hour.
  const azs = aws.network.max_azs;
  const endpointUsd = facts.interfaceEndpoints * azs * p.vpc.interface_endpoint_az_hour * hours;
  const natUsd = aws.network.nat_gateways * p.vpc.nat_gateway_hour * hours;
  add(
    'VPC endpoints and NAT',
    endpointUsd + natUsd,
    `${facts.interfaceEndpoints} interface endpoints × ${azs} AZs × ${rate(p.vpc.interface_endpoint_az_hour)}/h` +
      (aws.network.nat_gateways > 0
        ? ` + ${aws.network.nat_gateways} NAT × ${rate(p.vpc.nat_gateway_hour)}/h`
        : ''),
  );

  add('KMS', facts.kmsKeys * p.kms.key_month, `${facts.kmsKeys} key × ${rate(p.kms.key_month)}`);

  const total = lines.reduce((n, l) => n + l.usd, 0);
  return {
    format: COST_ESTIMATE_FORMAT,
    env: input.env,
    region: p.region,
    price_table: file,
    retrieved: p.retrieved,
    lines,
    total_usd: total,
    budget_usd: aws.budget.monthly_usd,
    assumptions: [
      `${hours} hours a month; always-on services (MWAA, realtime endpoints, VPC endpoints, NAT) run all of them`,
      `${c.runs_per_month} pipeline runs a month for ${input.symbols} symbol(s)`,
      `training: ${c.training_minutes_per_run} billable minutes a run on ${trainCount} × ${trainType}, ${spot ? `managed spot at ${p.sagemaker.spot_price_fraction} × on-demand (AWS: "up to 90%" off; the real discount varies)` : 'on-demand'}${input.training ? ' (from aws.training)' : ' (from aws.cost; no aws.training section)'}`,
      e.mode === 'serverless'
        ? `serving: ${c.requests_per_day} requests a day, ${c.inference_seconds_per_request} s and ${c.payload_kb_per_request} KB each`
        : e.mode === 'batch'
          ? `serving: batch transform, ${c.batch_transform_minutes_per_run} billable minutes a run`
          : `serving: ${e.min_capacity} always-on instance(s)`,
      `S3: ${c.storage_gb} GB in Standard; ${RUN_USAGE.s3PutsPerSymbolRun} PUT and ${RUN_USAGE.s3GetsPerSymbolRun} GET per symbol per run`,
      `Lambda: one ingest invocation a run, ${RUN_USAGE.lambdaSecondsPerRun} s billed`,
      `CloudWatch Logs: ${c.log_gb_per_month} GB ingested a month`,
    ],
    excluded: [
      'free tiers and credits',
      'data transfer out of AWS and VPC endpoint / NAT data processing per GB',
      'MWAA metadata database storage, and workers scaled out above min_workers',
      'ECR image storage, CloudTrail data events, Secrets Manager, AWS Budgets (free for non-action budgets)',
      'SageMaker hosting above min_capacity, model monitoring jobs and tuning jobs',
      'taxes and support plans',
    ],
    unconfirmed_prices: unconfirmedPrices(p),
  };
}

/** The estimate as a table with its assumptions, for a terminal. */
export function renderCostEstimate(estimate: CostEstimate): string {
  const width = Math.max(...estimate.lines.map((l) => l.service.length), 'total'.length);
  const out = [
    `stockops cost estimate: ${estimate.env} (${estimate.region}), prices retrieved ${estimate.retrieved} (${estimate.price_table})`,
    '',
    `${'service'.padEnd(width)}  ${'USD/month'.padStart(10)}  how`,
  ];
  for (const l of estimate.lines) {
    out.push(`${l.service.padEnd(width)}  ${money(l.usd).padStart(10)}  ${l.detail}`);
  }
  const over = estimate.total_usd > estimate.budget_usd;
  out.push(
    `${'total'.padEnd(width)}  ${money(estimate.total_usd).padStart(10)}  budget ${money(estimate.budget_usd)}${over ? ' — the estimate is OVER the budget' : ''}`,
    '',
    'assumptions:',
    ...estimate.assumptions.map((a) => `  - ${a}`),
    'not included:',
    ...estimate.excluded.map((x) => `  - ${x}`),
  );
  if (estimate.unconfirmed_prices.length > 0) {
    out.push(
      `prices no second source confirmed (check them on the source page): ${estimate.unconfirmed_prices.join(', ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}
