import { afterEach, describe, expect, it } from 'vitest';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import { RecordingReport } from '../../../actions/shared/actionReport.ts';
import { ConfigurationError } from '../../../actions/shared/actionRuntime.ts';
import { parseInputs } from '../../../actions/validate-config/src/inputs.ts';
import { run } from '../../../actions/validate-config/src/run.ts';
import { configDir, removeConfigDirs } from '../../config/configDir.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

const tempDir = useTempDir('stockops-validate-config-');
const runnerFiles = useRunnerFiles();
afterEach(removeConfigDirs);

const ENVS = ['local', 'dev', 'staging', 'prod'];

describe('validate-config', () => {
  it('passes on the repository config, one row per environment', async () => {
    const report = new RecordingReport();
    await run({ configDir: 'config', envs: ENVS }, { report });
    expect(report.outputs).toEqual({ errors: '0' });
    expect(report.errors).toEqual([]);
    const summary = report.summaries[0] ?? '';
    expect(summary).toContain('### Config: ✅ valid (config)');
    for (const env of ENVS)
      expect(summary).toMatch(new RegExp(`\\| ${env} \\| ✅ valid \\| \`[0-9a-f]{12}\` \\|`));
  });

  it('annotates an error in an overlay at its line and column', async () => {
    const dir = configDir({ 'prod.yaml': (t) => `${t}\nbogus_key: 1\n` });
    const report = new RecordingReport();
    const error = await run({ configDir: dir, envs: ENVS }, { report }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(report.errors).toHaveLength(1);
    const [issue] = report.errors;
    expect(issue?.message).toMatch(/bogus_key/);
    expect(issue?.properties).toMatchObject({ file: `${dir}/prod.yaml`, startColumn: 1 });
    expect(issue?.properties?.startLine).toBeGreaterThan(1);
    expect(report.summaries[0]).toMatch(/\| prod \| ❌ 1 error \| \|/);
    expect(report.summaries[0]).toMatch(/\| dev \| ✅ valid/);
  });

  it('annotates an error in base.yaml once, not once per environment', async () => {
    const dir = configDir({ 'base.yaml': (t) => t.replace(/^symbols:/m, 'symbol_list:') });
    const report = new RecordingReport();
    await expect(run({ configDir: dir, envs: ENVS }, { report })).rejects.toThrow(
      /config errors?:/,
    );
    const files = report.errors.map(
      (e) => `${e.properties?.file}:${e.properties?.startLine}:${e.message}`,
    );
    expect(new Set(files).size).toBe(files.length);
    expect(report.outputs.errors).toBe(String(files.length));
    expect(report.summaries[0]).toMatch(/\| local \| ❌/);
    expect(report.summaries[0]).toMatch(/\| prod \| ❌/);
  });

  it('an unknown environment is an error at its overlay', async () => {
    const report = new RecordingReport();
    await expect(run({ configDir: 'config', envs: ['dev', 'qa'] }, { report })).rejects.toThrow(
      /config\/qa\.yaml:1:1/,
    );
    expect(report.outputs.errors).toBe('1');
  });

  it('writes the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const files = runnerFiles(tempDir());
    await run({ configDir: 'config', envs: ['dev', 'prod'] });
    expect(files.outputs()).toEqual({ errors: '0' });
    expect(files.summary()).toMatch(/^### Config: ✅ valid \(config\)\n/);
    expect(files.summary()).toContain('| prod | ✅ valid |');
  });
});

describe('validate-config inputs', () => {
  const read = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');
  it('defaults to every environment', () => {
    expect(parseInputs(read({}))).toEqual({ configDir: 'config', envs: ENVS });
  });
  it('reads a comma- or newline-separated list', () => {
    expect(parseInputs(read({ envs: 'dev,\nprod', 'config-dir': 'c' }))).toEqual({
      configDir: 'c',
      envs: ['dev', 'prod'],
    });
  });
  it('rejects a list with no environment', () => {
    expect(() => parseInputs(read({ envs: ' , ' }))).toThrow('input "envs" names no environment');
  });
});
