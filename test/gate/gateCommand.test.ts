import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ConfigError } from '../../core/config/configError.ts';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import type { GateDecision } from '../../core/gate/gateTypes.ts';
import { UsageError } from '../../scripts/cli/cliErrors.ts';
import { gateCommand } from '../../scripts/commands/gateCommand.ts';
import { useTempDir } from '../support/tempDir.ts';
import { buildEvaluation, DATA_TO, DEFAULT_MODELS } from './evaluationBuilder.ts';

const tempDir = useTempDir('stockops-gate-');
// The real config: prod requires error ratio ≤ 0.99 and directional accuracy ≥ 0.5.
const CONFIG = resolve('config');

let stdout: MockInstance<typeof process.stdout.write>;
beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
});

function printed(): string {
  return stdout.mock.calls.map((call) => String(call[0])).join('');
}

function file(content: Evaluation | string, name = 'evaluation.json'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const worse = () =>
  buildEvaluation({
    models: { ...DEFAULT_MODELS, lstm: { kind: 'candidate', rmse_return: 0.0195 } },
  });

describe('stockops gate', () => {
  it('exits 0 and prints the table when the candidate passes', async () => {
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(buildEvaluation()),
    });
    expect(code).toBe(0);
    const out = printed();
    expect(out).toMatch(/^approve: candidate lstm, best baseline last_close, champion none yet\n/);
    expect(out).toMatch(/^ {2}pass max_error_ratio +0\.947368 \(max 0\.99\) /m);
  });

  it('exits 1 when a check fails, and says which', async () => {
    const code = await gateCommand({ config: CONFIG, env: 'prod', candidate: file(worse()) });
    expect(code).toBe(1);
    expect(printed()).toMatch(/^ {2}FAIL max_error_ratio .*is above the maximum 0\.99$/m);
  });

  it('reads the thresholds of the environment given', async () => {
    // dev tolerates an error ratio up to 1.05: the same candidate passes there.
    const code = await gateCommand({ config: CONFIG, env: 'dev', candidate: file(worse()) });
    expect(code).toBe(0);
  });

  it('--json prints the decision as one JSON line', async () => {
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(worse()),
      json: true,
    });
    expect(code).toBe(1);
    const out = printed();
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const decision = JSON.parse(out) as GateDecision;
    expect(decision).toMatchObject({
      schema: 'stockops.gate-decision/v1',
      decision: 'reject',
      candidate: 'lstm',
      best_baseline: 'last_close',
      champion: null,
    });
    expect(decision.reasons).toHaveLength(1);
  });

  it('compares with a champion file, whose model defaults to its candidate', async () => {
    const champion = buildEvaluation({
      models: { ...DEFAULT_MODELS, lstm: { kind: 'candidate', rmse_return: 0.0179 } },
    });
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(buildEvaluation()),
      champion: file(champion, 'champion.json'),
      dataTo: DATA_TO,
      json: true,
    });
    expect(code).toBe(1);
    const decision = JSON.parse(printed()) as GateDecision;
    expect(decision.champion).toBe('lstm');
    expect(decision.reasons).toEqual([
      expect.stringMatching(
        /^min_improvement_vs_champion: 1 − lstm rmse_return 0\.018 ÷ champion lstm 0\.0179/,
      ),
    ]);
  });

  it("the champion model defaults to the champion file's best baseline when it has no candidate", async () => {
    const { lstm: _, ...baselines } = DEFAULT_MODELS;
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(buildEvaluation()),
      champion: file(buildEvaluation({ models: baselines }), 'champion.json'),
      json: true,
    });
    expect(code).toBe(0);
    expect((JSON.parse(printed()) as GateDecision).champion).toBe('last_close');
  });

  it('--champion-model picks the champion model; a missing one rejects', async () => {
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(buildEvaluation()),
      champion: file(buildEvaluation(), 'champion.json'),
      championModel: 'gru',
    });
    expect(code).toBe(1);
    expect(printed()).toMatch(/FAIL champion_model_present +champion gru is missing/);
  });

  it('a stale evaluation exits 1', async () => {
    const code = await gateCommand({
      config: CONFIG,
      env: 'prod',
      candidate: file(buildEvaluation()),
      dataTo: '2024-04-01',
    });
    expect(code).toBe(1);
    expect(printed()).toContain(
      'evaluation is older than the data (evaluated to 2024-03-28, data to 2024-04-01)',
    );
  });

  describe('usage errors (exit 2), naming the file', () => {
    const cases: readonly { what: string; content: string | null; message: RegExp }[] = [
      {
        what: 'a missing file',
        content: null,
        message: /^--candidate .*nope\.json: file not found$/,
      },
      {
        what: 'bad JSON',
        content: '{"schema": ',
        message: /^--candidate .*evaluation\.json: not valid JSON/,
      },
      {
        what: 'the wrong schema',
        content: JSON.stringify({ schema: 'stockops.evaluation/v1' }),
        message:
          /^--candidate .*evaluation\.json: not an evaluation \(expected schema stockops\.evaluation\/v2, got "stockops\.evaluation\/v1"\)$/,
      },
      {
        what: 'JSON that is not an object',
        content: '[1, 2]',
        message:
          /evaluation\.json: not an evaluation \(expected schema stockops\.evaluation\/v2, got none\)$/,
      },
    ];
    it.each(cases)('$what', async ({ content, message }) => {
      const candidate = content === null ? join(tempDir(), 'nope.json') : file(content);
      const run = gateCommand({ config: CONFIG, env: 'prod', candidate });
      await expect(run).rejects.toBeInstanceOf(UsageError);
      await expect(run).rejects.toThrow(message);
      expect(printed()).toBe('');
    });

    it('a bad champion file names --champion', async () => {
      const run = gateCommand({
        config: CONFIG,
        env: 'prod',
        candidate: file(buildEvaluation()),
        champion: file('not json', 'champion.json'),
      });
      await expect(run).rejects.toThrow(/^--champion .*champion\.json: not valid JSON/);
    });

    it('a --data-to that is not a date', async () => {
      const run = gateCommand({
        config: CONFIG,
        env: 'prod',
        candidate: file(buildEvaluation()),
        dataTo: '2024-02-30',
      });
      await expect(run).rejects.toThrow(/^--data-to: expected a date such as/);
    });

    it('--champion-model without --champion', async () => {
      const run = gateCommand({
        config: CONFIG,
        env: 'prod',
        candidate: file(buildEvaluation()),
        championModel: 'lstm',
      });
      await expect(run).rejects.toThrow(UsageError);
    });

    it('an unknown environment is a ConfigError (exit 2 through the CLI)', async () => {
      const run = gateCommand({ config: CONFIG, env: 'qa', candidate: file(buildEvaluation()) });
      await expect(run).rejects.toBeInstanceOf(ConfigError);
    });
  });
});
