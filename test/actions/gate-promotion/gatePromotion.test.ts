import { DescribeModelPackageCommand, ListModelPackagesCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GatePromotionInputs,
  parseInputs,
} from '../../../actions/gate-promotion/src/inputs.ts';
import { GateRejected, run } from '../../../actions/gate-promotion/src/run.ts';
import { ConfigurationError, runAction } from '../../../actions/shared/actionRuntime.ts';
import {
  actionManifest,
  createBucket,
  IMAGE_URI,
  motoClients,
  recordingReport,
  runnerEnvironment,
} from '../../aws/sagemakerHarness.ts';
import { completedTrainingJob } from '../../aws/trainingJobFixture.ts';
import { buildEvaluation } from '../../gate/evaluationBuilder.ts';
import { type MotoServer, startMoto } from '../../support/motoServer.ts';

const GROUP = 'stockops-dev-amzn';
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const RAW = {
  env: 'dev',
  'job-name': 'stockops-dev-amzn-20260612-223005',
  'model-artifact':
    's3://stockops-dev-models/training/output/stockops-dev-amzn-20260612-223005/output/model.tar.gz',
  'image-uri': IMAGE_URI,
};

describe('gate-promotion inputs', () => {
  it('applies the contract defaults', () => {
    expect(parseInputs(reader(RAW))).toEqual({
      env: 'dev',
      symbol: undefined,
      jobName: RAW['job-name'],
      modelArtifact: RAW['model-artifact'],
      imageUri: IMAGE_URI,
      failOnReject: true,
      region: undefined,
      configDir: 'config',
    });
  });

  it.each([
    [{ 'job-name': '' }, 'input "job-name" is required'],
    [{ 'model-artifact': '' }, 'input "model-artifact" is required'],
    [
      { 'model-artifact': 'stockops/model.tar.gz' },
      'input "model-artifact" must be the s3://bucket/…/model.tar.gz of a training job (got "stockops/model.tar.gz")',
    ],
    [{ 'image-uri': '' }, 'input "image-uri" is required'],
    [{ 'fail-on-reject': 'no' }, 'input "fail-on-reject" must be true or false (got "no")'],
    [{ env: 'qa' }, 'input "env" must be one of dev, staging, prod (got "qa")'],
  ])('refuses %j', (extra, message) => {
    expect(() => parseInputs(reader({ ...RAW, ...extra }))).toThrow(ConfigurationError);
    expect(() => parseInputs(reader({ ...RAW, ...extra }))).toThrow(message);
  });
});

describe('gate-promotion against moto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    await createBucket(motoClients(moto.endpoint));
  });

  const clients = () => motoClients(moto.endpoint);
  const inputsFor = (
    job: string,
    artifact: string,
    extra: Record<string, string> = {},
  ): GatePromotionInputs =>
    parseInputs(reader({ ...RAW, 'job-name': job, 'model-artifact': artifact, ...extra }));

  async function packages() {
    const c = clients();
    const list = await c.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: GROUP }),
    );
    const out = [];
    for (const s of list.ModelPackageSummaryList ?? []) {
      const p = await c.sagemaker.send(
        new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn }),
      );
      out.push({
        version: p.ModelPackageVersion,
        status: p.ModelApprovalStatus,
        model: p.CustomerMetadataProperties?.['stockops:model'],
        kind: p.CustomerMetadataProperties?.['stockops:kind'],
        job: p.CustomerMetadataProperties?.['stockops:training-job'],
        serve: p.InferenceSpecification?.Containers?.[0]?.Environment?.STOCKOPS_SERVE_MODEL,
        data: p.InferenceSpecification?.Containers?.[0]?.ModelDataUrl,
        rmse: p.CustomerMetadataProperties?.['aggregate.rmse_return'],
      });
    }
    return out.sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
  }

  it('first gate: registers the best baseline as champion, then the approved candidate', async () => {
    const artifact = await completedTrainingJob(clients(), 'job-1', buildEvaluation());
    const report = recordingReport();
    await run(inputsFor('job-1', artifact), { clients, report });

    expect(report.outputs.decision).toBe('approve');
    expect(report.outputs.reasons).toBe('[]');
    expect(report.outputs['model-package-arn']).toMatch(/:model-package\/stockops-dev-amzn\/2$/);
    expect(await packages()).toEqual([
      {
        version: 1,
        status: 'Approved',
        model: 'last_close',
        kind: 'baseline',
        job: 'job-1',
        serve: 'last_close',
        data: artifact,
        rmse: '0.019',
      },
      {
        version: 2,
        status: 'Approved',
        model: 'lstm',
        kind: 'candidate',
        job: 'job-1',
        serve: 'lstm',
        data: artifact,
        rmse: '0.018',
      },
    ]);
    // the table renderGateMarkdown makes, one row per check, then what was registered
    const md = report.summaries[0] ?? '';
    expect(md).toContain('### Promotion gate: ✅ approve');
    expect(md).toContain('| max_error_ratio | 0.947368 | ≤ 1.05 | ✅ pass');
    expect(md).toContain('| 2 | lstm | candidate | Approved |');
    expect(report.warnings).toEqual([`model package group ${GROUP} did not exist and was created`]);
  });

  it('a worse candidate is registered Rejected against the LSTM champion; fail-on-reject fails the step after', async () => {
    const first = await completedTrainingJob(clients(), 'job-1', buildEvaluation());
    await run(inputsFor('job-1', first), { clients, report: recordingReport() });
    const worse = buildEvaluation({
      models: {
        persistence: { kind: 'baseline', rmse_return: 0.02 },
        last_close: { kind: 'baseline', rmse_return: 0.019 },
        lstm: { kind: 'candidate', rmse_return: 0.021 },
      },
    });
    const second = await completedTrainingJob(clients(), 'job-2', worse);
    const report = recordingReport();
    const failed = run(inputsFor('job-2', second), { clients, report });
    await expect(failed).rejects.toThrow(GateRejected);
    await expect(failed).rejects.toThrow(/^lstm was rejected: max_error_ratio: /);

    expect(report.outputs.decision).toBe('reject');
    // the champion (v2) has the candidate's hyperparameters, so the candidate's evaluation
    // stands for it on today's data (championFromRegistry): only the baseline check fails
    expect(JSON.parse(report.outputs.reasons ?? '')).toEqual([
      'max_error_ratio: lstm rmse_return 0.021 ÷ last_close 0.019 = 1.10526 is above the maximum 1.05',
    ]);
    expect(report.outputs['model-package-arn']).toMatch(/stockops-dev-amzn\/3$/);
    expect((await packages()).map((p) => [p.version, p.model, p.status, p.job])).toEqual([
      [1, 'last_close', 'Approved', 'job-1'],
      [2, 'lstm', 'Approved', 'job-1'],
      [3, 'lstm', 'Rejected', 'job-2'],
    ]);
    expect(report.lines).toContain('gate (dev thresholds): reject vs champion v2 lstm');
  });

  it('an LSTM champion with other hyperparameters, scored on older data, is not comparable: reject', async () => {
    const withParams = (e: ReturnType<typeof buildEvaluation>, units: number) => {
      const copy = JSON.parse(JSON.stringify(e));
      copy.models.lstm.params = { units, training: { epochs_run: 9 } };
      return copy as ReturnType<typeof buildEvaluation>;
    };
    const older = withParams(buildEvaluation({ sha256: 'b'.repeat(64), dataTo: '2024-03-27' }), 8);
    await run(inputsFor('job-1', await completedTrainingJob(clients(), 'job-1', older)), {
      clients,
      report: recordingReport(),
    });
    const today = withParams(buildEvaluation(), 16);
    const report = recordingReport();
    await run(
      inputsFor('job-2', await completedTrainingJob(clients(), 'job-2', today), {
        'fail-on-reject': 'false',
      }),
      {
        clients,
        report,
      },
    );
    expect(report.outputs.decision).toBe('reject');
    expect(JSON.parse(report.outputs.reasons ?? '')).toEqual([
      expect.stringMatching(
        /^champion_same_data: .* was evaluated on different data: data\.sha256 "bbbbbbbbbbbb…" ≠ "aaaaaaaaaaaa…"/,
      ),
    ]);
  });

  it('with fail-on-reject false a reject is an output, not a failure', async () => {
    const worse = buildEvaluation({
      models: {
        last_close: { kind: 'baseline', rmse_return: 0.019 },
        lstm: { kind: 'candidate', rmse_return: 0.03 },
      },
    });
    const artifact = await completedTrainingJob(clients(), 'job-1', worse);
    const report = recordingReport();
    await run(inputsFor('job-1', artifact, { 'fail-on-reject': 'false' }), { clients, report });
    expect(report.outputs.decision).toBe('reject');
    // no champion yet: the best baseline becomes it, the candidate is kept as Rejected
    expect((await packages()).map((p) => [p.version, p.model, p.status])).toEqual([
      [1, 'last_close', 'Approved'],
      [2, 'lstm', 'Rejected'],
    ]);
  });

  it('a re-run of the same job registers nothing new and decides the same', async () => {
    const artifact = await completedTrainingJob(clients(), 'job-1', buildEvaluation());
    const first = recordingReport();
    await run(inputsFor('job-1', artifact), { clients, report: first });
    const again = recordingReport();
    await run(inputsFor('job-1', artifact), { clients, report: again });
    expect(again.outputs).toEqual(first.outputs);
    expect((await packages()).length).toBe(2);
    expect(again.lines).toContain('lstm is already v2: Approved');
    expect(again.warnings).toEqual([]);
  });

  it("refuses an artifact that is not the job's, a tampered artifact, another symbol, an unknown job", async () => {
    const artifact = await completedTrainingJob(clients(), 'job-1', buildEvaluation());
    const other = artifact.replace('job-1', 'job-0');
    await expect(
      run(inputsFor('job-1', other), { clients, report: recordingReport() }),
    ).rejects.toThrow(
      `input "model-artifact": ${other} is not the artifact of job-1 (${artifact})`,
    );
    const tampered = await completedTrainingJob(clients(), 'job-2', buildEvaluation(), (files) => {
      files['evaluation.json'] = new TextEncoder().encode('{"schema":"stockops.evaluation/v2"}');
    });
    await expect(
      run(inputsFor('job-2', tampered), { clients, report: recordingReport() }),
    ).rejects.toThrow(
      /^model artifact s3:\/\/.*job-2\/output\/model\.tar\.gz: model directory \(AMZN\): artifact evaluation\.json was changed: expected sha256 /,
    );
    const msft = await completedTrainingJob(
      clients(),
      'job-3',
      buildEvaluation({ symbol: 'MSFT' }),
    );
    await expect(
      run(inputsFor('job-3', msft), { clients, report: recordingReport() }),
    ).rejects.toThrow(
      `${msft} holds an evaluation of MSFT, not AMZN: pass the symbol the job trained`,
    );
    await expect(
      run(inputsFor('job-9', artifact), { clients, report: recordingReport() }),
    ).rejects.toThrow(/Could not find training job/);
    expect(await packages()).toEqual([]);
  });

  it('writes outputs and the gate table to the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const artifact = await completedTrainingJob(
      motoClients(moto.endpoint),
      'job-1',
      buildEvaluation(),
    );
    const runner = runnerEnvironment(
      { ...RAW, 'job-name': 'job-1', 'model-artifact': artifact },
      moto.endpoint,
    );
    const failures: string[] = [];
    try {
      await runAction(
        () => parseInputs(),
        (i) => run(i),
        {
          setFailed: (m) => failures.push(m),
          error: () => {},
          debug: () => {},
        },
      );
      expect(failures).toEqual([]);
      const outputs = runner.outputs();
      expect(outputs.decision).toBe('approve');
      expect(outputs.reasons).toBe('[]');
      expect(outputs['model-package-arn']).toMatch(/stockops-dev-amzn\/2$/);
      expect(runner.summary()).toContain('| check | value | threshold | result |');
      expect(runner.summary()).toContain('| max_dm_p_value |');
    } finally {
      runner.restore();
    }
  });
});

describe('gate-promotion action.yml', () => {
  it("declares the contract's inputs, defaults and outputs, on node24", () => {
    expect(actionManifest('gate-promotion')).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      inputs: {
        env: { required: true },
        symbol: { required: false, default: '' },
        'job-name': { required: true },
        'model-artifact': { required: true },
        'image-uri': { required: true },
        'fail-on-reject': { required: false, default: 'true' },
        region: { required: false, default: '' },
        'config-dir': { required: false, default: 'config' },
      },
      outputs: ['decision', 'model-package-arn', 'reasons'],
    });
  });
});
