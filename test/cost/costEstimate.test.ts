import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import type { AwsConfig } from '../../core/config/configTypes.ts';
import {
  CostEstimateError,
  estimateMonthlyCost,
  infraFacts,
  renderCostEstimate,
} from '../../core/cost/costEstimate.ts';
import { type PriceTable, PriceTableError, parsePriceTable } from '../../core/cost/priceTable.ts';

const TABLE_FILE = 'config/prices/us-east-1.2026-11.yaml';
const committed = parsePriceTable(readFileSync(TABLE_FILE, 'utf8'), TABLE_FILE, 'us-east-1');
const awsOf = (env: string) => loadConfig({ env }).config.aws as AwsConfig;

/** Round prices so every figure below can be checked by hand. */
const ROUND: PriceTable = {
  ...committed,
  hours_per_month: 720,
  mwaa: {
    ...committed.mwaa,
    environment_hourly: { 'mw1.micro': 0.25, 'mw1.small': 0.5 },
    additional_worker_hourly: { 'mw1.small': 0.05 },
  },
  sagemaker: {
    ...committed.sagemaker,
    training_hourly: { 'ml.m5.large': 0.1 },
    hosting_hourly: { 'ml.m5.large': 0.1 },
    transform_hourly: { 'ml.m5.large': 0.2 },
    serverless_gb_second: 0.00002,
    serverless_data_gb: 0.02,
    spot_price_fraction: 0.3,
  },
  s3: { ...committed.s3, standard_gb_month: 0.02, put_per_1000: 0.005, get_per_1000: 0.0005 },
  lambda: { ...committed.lambda, requests_per_million: 0.2, arm_gb_second: 0.00001 },
  emr_serverless: { ...committed.emr_serverless, arm_vcpu_hour: 0.04, arm_gb_hour: 0.005 },
  cloudwatch: {
    ...committed.cloudwatch,
    alarm_month: 0.1,
    dashboard_month: 3,
    logs_ingest_gb: 0.5,
    logs_store_gb_month: 0.03,
  },
  sns: { ...committed.sns, publish_per_million: 0.5, email_per_100000: 2 },
  vpc: { ...committed.vpc, interface_endpoint_az_hour: 0.01, nat_gateway_hour: 0.05 },
  kms: { ...committed.kms, key_month: 1 },
};

const byService = (lines: readonly { service: string; usd: number }[]) =>
  Object.fromEntries(lines.map((l) => [l.service, l.usd]));

describe('monthly cost estimate', () => {
  it('adds up dev (serverless, mw1.micro) by hand', () => {
    const aws = awsOf('dev');
    const e = estimateMonthlyCost({
      env: 'dev',
      aws,
      symbols: 1,
      prices: ROUND,
      priceTableFile: 'round.yaml',
    });
    const s = byService(e.lines);
    expect(s.MWAA).toBeCloseTo(0.25 * 720, 9); // 180
    expect(s['SageMaker training']).toBeCloseTo(((22 * 20) / 60) * 0.1 * 0.3, 9); // 0.22
    // 50 requests × 30 days = 1500; 1500 × 0.2 s × 2 GB = 600 GB-s; 1500 × 8 KB = 0.011444 GB
    expect(s['SageMaker endpoint (serverless)']).toBeCloseTo(
      600 * 0.00002 + ((1500 * 8) / 1048576) * 0.02,
      9,
    );
    expect(s.S3).toBeCloseTo(5 * 0.02 + 0.44 * 0.005 + 4.4 * 0.0005, 9); // 0.1044
    expect(s.Lambda).toBeCloseTo((22 / 1e6) * 0.2 + 22 * 10 * 0.5 * 0.00001, 12);
    // aws.emr.enabled: 4 vCPU-h and 4 GB per vCPU (16 GB-h) a month
    expect(s['EMR Serverless']).toBeCloseTo(4 * 0.04 + 16 * 0.005, 9); // 0.24
    expect(s.CloudWatch).toBeCloseTo(7 * 0.1 + 3 + 2 * 0.53, 9); // 4.76
    expect(s.SNS).toBeCloseTo((22 / 1e6) * 0.5, 12);
    expect(s['VPC endpoints and NAT']).toBeCloseTo(12 * 2 * 0.01 * 720, 9); // 172.8
    expect(s.KMS).toBe(1);
    expect(e.total_usd).toBeCloseTo(
      180 +
        0.22 +
        0.012 +
        (12000 / 1048576) * 0.02 +
        0.1044 +
        0.0000044 +
        0.0011 +
        0.24 +
        4.76 +
        0.000011 +
        172.8 +
        1,
      6,
    );
    expect(e.budget_usd).toBe(100);
    expect(e.retrieved).toBe('2026-11-26');
  });

  it('prices prod (realtime, mw1.small + extra workers, NAT) and batch mode by hand', () => {
    const prod = awsOf('prod');
    const aws: AwsConfig = {
      ...prod,
      mwaa: { ...prod.mwaa, environment_class: 'mw1.small', min_workers: 3 },
      emr: { ...prod.emr, enabled: true },
      alerts: { ...prod.alerts, infrastructure: ['a@example.com', 'b@example.com'] },
    };
    const e = estimateMonthlyCost({
      env: 'prod',
      aws,
      symbols: 2,
      prices: ROUND,
      priceTableFile: 'r',
    });
    const s = byService(e.lines);
    expect(s.MWAA).toBeCloseTo(0.5 * 720 + 2 * 0.05 * 720, 9); // 432
    expect(s['SageMaker endpoint (realtime)']).toBeCloseTo(2 * 0.1 * 720, 9); // 144
    expect(s.S3).toBeCloseTo(5 * 0.02 + 0.88 * 0.005 + 8.8 * 0.0005, 9);
    expect(s['EMR Serverless']).toBeCloseTo(4 * 0.04 + 16 * 0.005, 9); // 0.24
    expect(s.SNS).toBeCloseTo((22 / 1e6) * 0.5 + ((22 * 2) / 100000) * 2, 12);
    expect(s['VPC endpoints and NAT']).toBeCloseTo(12 * 2 * 0.01 * 720 + 0.05 * 720, 9); // 208.8

    const batch = estimateMonthlyCost({
      env: 'staging',
      aws: { ...aws, endpoint: { ...aws.endpoint, mode: 'batch' } },
      symbols: 1,
      prices: ROUND,
      priceTableFile: 'r',
    });
    const b = byService(batch.lines);
    expect(b['SageMaker batch transform']).toBeCloseTo(((22 * 5) / 60) * 0.2, 9);
    expect(b).not.toHaveProperty('SageMaker endpoint (realtime)');
    // No endpoint, no endpoint alarms: 5 alarms instead of 7.
    expect(b.CloudWatch).toBeCloseTo(5 * 0.1 + 3 + 2 * 0.53, 9);
  });

  it('uses aws.training when the config has it: instance type, count and spot', () => {
    const aws = awsOf('dev');
    const prices: PriceTable = {
      ...ROUND,
      sagemaker: {
        ...ROUND.sagemaker,
        training_hourly: { 'ml.m5.large': 0.1, 'ml.c5.xlarge': 0.2 },
      },
    };
    const e = estimateMonthlyCost({
      env: 'dev',
      aws,
      symbols: 1,
      prices,
      priceTableFile: 'r',
      training: { instance_type: 'ml.c5.xlarge', instance_count: 2, use_spot: false },
    });
    expect(byService(e.lines)['SageMaker training']).toBeCloseTo(((22 * 20 * 2) / 60) * 0.2, 9);
    expect(e.assumptions.join('\n')).toMatch(
      /on 2 × ml\.c5\.xlarge, on-demand \(from aws\.training\)/,
    );
  });

  it('says which price is missing instead of guessing', () => {
    const aws = awsOf('dev');
    expect(() =>
      estimateMonthlyCost({
        env: 'dev',
        aws: {
          ...aws,
          endpoint: { ...aws.endpoint, mode: 'realtime', instance_type: 'ml.p4d.24xlarge' },
        },
        symbols: 1,
        prices: ROUND,
        priceTableFile: 'round.yaml',
      }),
    ).toThrow(
      new CostEstimateError(
        'round.yaml: no SageMaker hosting price for ml.p4d.24xlarge (has ml.m5.large); add it from the source page',
      ),
    );
  });

  it('renders a table with the total against the budget, the assumptions and the caveats', () => {
    const e = estimateMonthlyCost({
      env: 'dev',
      aws: awsOf('dev'),
      symbols: 1,
      prices: committed,
      priceTableFile: TABLE_FILE,
    });
    // The committed table, by hand: 175.2 MWAA + 175.2 endpoints + 4.76 CloudWatch (7 alarms)
    // + 1 KMS + 0.253 training + 0.119 S3 + 0.0124 serverless
    // + 0.2424 EMR (4 × 0.042094 + 16 × 0.004628) + small change.
    expect(e.total_usd).toBeCloseTo(356.7882, 3);
    const text = renderCostEstimate(e);
    expect(text).toContain('prices retrieved 2026-11-26 (config/prices/us-east-1.2026-11.yaml)');
    expect(text).toMatch(/^MWAA\s+\$175\.20 {2}mw1\.micro \$0\.24\/h × 730 h$/m);
    expect(text).toMatch(
      /^total\s+\$356\.79 {2}budget \$100\.00 — the estimate is OVER the budget$/m,
    );
    expect(text).toContain('assumptions:\n  - 730 hours a month');
    expect(text).toContain('not included:');
    expect(text).toMatch(/check them on the source page\): mwaa mw1\.micro/);
  });
});

describe('price table', () => {
  const good = readFileSync(TABLE_FILE, 'utf8');

  it('parses the committed table, dated, with a source page per section', () => {
    expect(committed.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const section of ['mwaa', 'sagemaker', 's3', 'lambda', 'vpc'] as const) {
      expect(committed[section].source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });

  it('reports each bad value at its file, line and column', () => {
    const bad = good
      .replace('mw1.small: 0.49', 'mw1.small: cheap')
      .replace('put_per_1000: 0.005', 'put_per_1000: -1')
      .replace('retrieved: "2026-11-26"', 'retrieved: soon');
    const lineOf = (needle: string) => bad.split('\n').findIndex((l) => l.includes(needle)) + 1;
    let error: PriceTableError | undefined;
    try {
      parsePriceTable(bad, 'p.yaml', 'us-east-1');
    } catch (e) {
      error = e as PriceTableError;
    }
    expect(error).toBeInstanceOf(PriceTableError);
    expect(error?.message.split('\n')).toEqual([
      `p.yaml:${lineOf('retrieved: soon')}:12: retrieved: expected the date the prices were read, "YYYY-MM-DD"`,
      `p.yaml:${lineOf('mw1.small: cheap')}:16: mwaa.environment_hourly.mw1.small: expected a price, a number at least 0 (got "cheap")`,
      `p.yaml:${lineOf('put_per_1000: -1')}:17: s3.put_per_1000: expected a price, a number at least 0 (got -1)`,
    ]);
  });

  it('refuses a table for another region, a missing section, and broken YAML', () => {
    expect(() => parsePriceTable(good, 'p.yaml', 'eu-west-1')).toThrow(
      /p\.yaml:6:9: region: prices are for "us-east-1", the config deploys to eu-west-1/,
    );
    const noKms = good.slice(0, good.indexOf('\nkms:'));
    expect(() => parsePriceTable(noKms, 'p.yaml', 'us-east-1')).toThrow(/kms: section is missing/);
    expect(() => parsePriceTable('a: [1,', 'p.yaml', 'us-east-1')).toThrow(
      /p\.yaml:\d+:\d+: \(yaml\)/,
    );
    expect(() => parsePriceTable(`${good}\nextra: 1\n`, 'p.yaml', 'us-east-1')).toThrow(
      /extra: unknown section/,
    );
  });
});

describe('infra facts', () => {
  it('counts the endpoint alarms only when the serving mode has an endpoint', () => {
    const aws = awsOf('dev');
    expect(infraFacts(aws).alarms).toBe(7);
    expect(infraFacts({ ...aws, endpoint: { ...aws.endpoint, mode: 'batch' } }).alarms).toBe(5);
  });
});
