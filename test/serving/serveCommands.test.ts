import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildFeatureTable, slidingWindows } from '../../core/features/featureTable.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { servingModelFromRegistry } from '../../core/serving/registryModels.ts';
import { UsageError } from '../../scripts/cli/cliErrors.ts';
import { predictCommand } from '../../scripts/commands/predictCommand.ts';
import {
  type RunningServe,
  serveCommand,
  startServe,
} from '../../scripts/commands/serveCommand.ts';
import { useTempDir } from '../support/tempDir.ts';
import {
  answer,
  BARS,
  type FittedSet,
  fitFinalModels,
  LINEAGE,
  registryWithModels,
  smallConfigDir,
  windowRows,
} from './servingFixtures.ts';

const tempDir = useTempDir('stockops-serving-');
const config = smallConfigDir();
let fitted: FittedSet;
let store: string;
let versions: Record<string, number>;
beforeAll(async () => {
  fitted = await fitFinalModels(config.dir);
  store = join(config.dir, 'store');
  versions = (await registryWithModels(store, fitted)).versions;
});
afterAll(() => config.dispose());

const running: RunningServe[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  vi.restoreAllMocks();
});

const common = () => ({ config: config.dir, env: 'local', store });

async function serve(options: Record<string, string> = {}, storeRoot = store) {
  const logs: string[] = [];
  const r = await startServe(
    { ...common(), store: storeRoot, port: '0', metrics: 'off', ...options },
    (l) => logs.push(l),
  );
  running.push(r);
  return { r, logs };
}

/** Captures what a command writes to stdout and stderr. */
function captureOutput() {
  const out: string[] = [];
  const err: string[] = [];
  const into = (sink: string[]) => (chunk: unknown) => {
    sink.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(into(out));
  vi.spyOn(process.stderr, 'write').mockImplementation(into(err));
  return { out, err };
}

const windowBody = JSON.stringify({ windows: [windowRows(5)] });
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('stockops serve', () => {
  it('takes the challenger and weights from config `serving:` when no flag gives them', async () => {
    const dev = join(config.dir, 'dev.yaml');
    const before = readFileSync(dev, 'utf8');
    writeFileSync(
      dev,
      `${before}serving:\n  port: 0\n  host: 127.0.0.1\n  challenger: ${versions.lstm}\n  weights: [3, 1]\n`,
    );
    try {
      const r = await startServe(
        { config: config.dir, env: 'dev', store, metrics: 'off' },
        () => {},
      );
      running.push(r);
      const ping = await answer(await fetch(`${r.server.url}/ping`));
      expect(ping.variants).toEqual([
        { name: 'champion', weight: 3, model: 'last_close', version: versions.last_close },
        { name: 'challenger', weight: 1, model: 'lstm', version: versions.lstm },
      ]);
    } finally {
      writeFileSync(dev, before);
    }
  });

  it('serves the champion, and with --challenger a weighted second variant, metrics as EMF in a file', async () => {
    const metricsFile = join(tempDir(), 'metrics', 'serve.emf.jsonl');
    const { r, logs } = await serve({
      challenger: String(versions.lstm),
      weights: '1,1',
      metrics: metricsFile,
    });
    expect(await r.server.ready).toBe(true);
    expect(r.group).toBe('AMZN');
    const ping = await answer(await fetch(`${r.server.url}/ping`));
    expect(ping.variants).toEqual([
      { name: 'champion', weight: 1, model: 'last_close', version: versions.last_close },
      { name: 'challenger', weight: 1, model: 'lstm', version: versions.lstm },
    ]);
    expect(logs[0]).toBe(
      `note: challenger AMZN/${versions.lstm} is Rejected (gate: max_error_ratio); it gets 1 of the traffic`,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++)
      seen.add((await answer(await post(r.server.url, windowBody))).variant);
    expect([...seen].sort()).toEqual(['challenger', 'champion']);
    const targeted = await (
      await post(r.server.url, windowBody, { 'x-amzn-sagemaker-target-variant': 'challenger' })
    ).json();
    expect(targeted).toMatchObject({
      model: 'lstm',
      version: versions.lstm,
      variant: 'challenger',
    });
    await r.close();
    const documents = readFileSync(metricsFile, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byVariant = Object.fromEntries(documents.map((d) => [d.Variant, d]));
    expect(byVariant.champion.Invocations + byVariant.challenger.Invocations).toBe(11);
    expect(byVariant.challenger.Models).toEqual([`lstm v${versions.lstm}`]);
    expect(byVariant.champion._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Endpoint', 'Variant'],
    ]);
    expect(byVariant.champion.Endpoint).toBe('stockops-AMZN');
  });

  it('a champion whose artifact does not match the registry is refused: /ping stays 503, the reason is logged', async () => {
    const tampered = join(tempDir(), 'store');
    const { versions: v } = await registryWithModels(tampered, fitted);
    const file = join(
      tampered,
      'registry',
      'group=AMZN',
      `version=${String(v.last_close).padStart(6, '0')}`,
      'artifacts',
      'model.json',
    );
    writeFileSync(file, readFileSync(file, 'utf8').replace('"last_close"', '"persistence"'));
    const { r, logs } = await serve({}, tampered);
    expect(await r.server.ready).toBe(false);
    for (let i = 0; i < 2; i++) {
      const ping = await fetch(`${r.server.url}/ping`);
      expect(ping.status).toBe(503);
      expect((await answer(ping)).reason).toMatch(
        /AMZN\/2: artifact model.json was changed: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/,
      );
    }
    expect((await post(r.server.url, windowBody)).status).toBe(503);
    expect(logs.at(-1)).toMatch(
      /^model load failed; \/ping will answer 503 until restarted: AMZN\/2: artifact model.json was changed: expected sha256 .*Do not serve this version/,
    );
  });

  it('refuses usage mistakes before it starts, saying what to do', async () => {
    const attempt = (options: Record<string, string>, storeRoot = store) =>
      startServe(
        { ...common(), store: storeRoot, port: '0', metrics: 'off', ...options },
        () => {},
      );
    await expect(attempt({ weights: '0.5,0.5' })).rejects.toThrow('--weights needs --challenger');
    await expect(attempt({ port: '99999' })).rejects.toThrow(/--port: expected a port number/);
    await expect(attempt({ challenger: 'five' })).rejects.toThrow(
      /--challenger: expected a version number/,
    );
    await expect(attempt({ challenger: String(versions.last_close) })).rejects.toThrow(
      `--challenger ${versions.last_close} is the champion already`,
    );
    await expect(attempt({ challenger: '42' })).rejects.toThrow(
      /--challenger 42: AMZN has no such version .*versions: 1 persistence \(Approved\)/,
    );
    await expect(attempt({ challenger: String(versions.lstm), weights: '1' })).rejects.toThrow(
      /--weights: weights "1": expected 2/,
    );
    await expect(attempt({}, tempDir())).rejects.toThrow(
      /AMZN has no champion in .*: run `stockops run` first/,
    );
    await expect(attempt({ symbol: 'AMZN,MSFT' })).rejects.toThrow('--symbol: give one ticker');
    await expect(attempt({})).resolves.toBeDefined();
    const twoSymbols = join(tempDir(), 'config');
    mkdirSync(twoSymbols);
    for (const f of readdirSync(config.dir))
      if (f.endsWith('.yaml') || f.endsWith('.json'))
        writeFileSync(join(twoSymbols, f), readFileSync(join(config.dir, f)));
    writeFileSync(
      join(twoSymbols, 'local.yaml'),
      `${readFileSync(join(config.dir, 'local.yaml'), 'utf8')}symbols: [AMZN, MSFT]\n`,
    );
    await expect(
      startServe({ config: twoSymbols, env: 'local', store, port: '0', metrics: 'off' }, () => {}),
    ).rejects.toThrow(UsageError);
  });

  it('serveCommand serves until stopped, then drains and exits 0', async () => {
    const { out, err } = captureOutput();
    const stop = Promise.resolve('SIGTERM');
    const code = await serveCommand({ ...common(), port: '0', metrics: '-' }, () => stop);
    expect(code).toBe(0);
    expect(out.join('')).toMatch(
      /^serving AMZN on http:\/\/127\.0\.0\.1:\d+ \(POST \/invocations, GET \/ping, GET \/dashboard\); EMF metrics → stdout$/m,
    );
    expect(err.join('')).toMatch(/SIGTERM: draining in-flight requests/);
    const tampered = join(tempDir(), 'store');
    const { versions: v } = await registryWithModels(tampered, fitted);
    writeFileSync(
      join(
        tampered,
        'registry',
        'group=AMZN',
        `version=${String(v.last_close).padStart(6, '0')}`,
        'artifacts',
        'model.json',
      ),
      '{}',
    );
    expect(
      await serveCommand(
        { ...common(), store: tampered, port: '0', metrics: join(tempDir(), 'm.jsonl') },
        () => stop,
      ),
    ).toBe(0);
    expect(out.join('')).toMatch(
      /not serving AMZN: the model failed to load \(see above\); http:\/\/127\.0\.0\.1:\d+\/ping answers 503/,
    );
  });
});

describe('serving models from the registry', () => {
  it('loads the champion or a version, verified; says what to do when there is none', async () => {
    const { registry } = await registryWithModels(join(tempDir(), 'store'), fitted);
    const champion = await servingModelFromRegistry(registry, 'AMZN', 'champion', fitted.features);
    expect([champion.pkg.version, champion.model.name, champion.model.rows]).toEqual([
      2,
      'last_close',
      1,
    ]);
    const lstm = await servingModelFromRegistry(
      registry,
      'AMZN',
      versions.lstm as number,
      fitted.features,
    );
    expect([lstm.model.name, lstm.model.version, lstm.model.rows]).toEqual([
      'lstm',
      versions.lstm,
      5,
    ]);
    await expect(
      servingModelFromRegistry(registry, 'MSFT', 'champion', fitted.features),
    ).rejects.toThrow('MSFT has no champion to serve: run `stockops run` first');
    await expect(servingModelFromRegistry(registry, 'AMZN', 9, fitted.features)).rejects.toThrow(
      /AMZN has no version 9: versions are 1 \(persistence, Approved\), 2 \(last_close, Approved\)/,
    );
    await expect(servingModelFromRegistry(registry, 'MSFT', 1, fitted.features)).rejects.toThrow(
      'MSFT has no version 1: nothing is registered yet',
    );
    const mislabelled = await registry.register({
      group: 'AMZN',
      modelName: 'last_close',
      kind: 'baseline',
      files: fitted.final.baselines.drift ?? {},
      metrics: {},
      lineage: LINEAGE,
      status: 'Approved',
      reason: 'a mistake',
      at: '2025-01-03T21:30:00.000Z',
    });
    await expect(
      servingModelFromRegistry(registry, 'AMZN', mislabelled.version, fitted.features),
    ).rejects.toThrow(
      `AMZN/${mislabelled.version} is registered as last_close but its artifact holds drift`,
    );
  });
});

describe('stockops predict (Batch Transform semantics)', () => {
  function inputs() {
    const dir = tempDir();
    writeFileSync(join(dir, 'AMZN.csv'), formatPriceCsv(BARS));
    mkdirSync(join(dir, 'more'));
    writeFileSync(
      join(dir, 'more', 'windows.json'),
      JSON.stringify({ windows: [windowRows(5), windowRows(5, 2)] }),
    );
    writeFileSync(join(dir, '.hidden'), 'ignored');
    return dir;
  }

  it('writes <file>.out per input file, in the same content type, from the champion', async () => {
    const { out } = captureOutput();
    const input = inputs();
    const output = join(tempDir(), 'out');
    expect(await predictCommand({ ...common(), input, output })).toBe(0);
    expect(readdirSync(output, { recursive: true }).sort()).toEqual([
      'AMZN.csv.out',
      'more',
      join('more', 'windows.json.out'),
    ]);
    const csv = readFileSync(join(output, 'AMZN.csv.out'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'date,target_date,avg_price,predicted_log_return,predicted_avg_price,model,version,variant',
    );
    // one forecast per bar past the warm-up (5 bars) — every window of the history, and the next session's
    expect(csv).toHaveLength(1 + BARS.length - 5);
    expect(csv[1]).toMatch(new RegExp(`,last_close,${versions.last_close},AllTraffic$`));
    const json = JSON.parse(readFileSync(join(output, 'more', 'windows.json.out'), 'utf8'));
    expect(json).toMatchObject({
      model: 'last_close',
      version: versions.last_close,
      variant: 'AllTraffic',
    });
    expect(json.forecasts).toHaveLength(2);
    expect(out.join('')).toMatch(/AMZN\.csv → .*AMZN\.csv\.out \(1 request\)/);
  });

  it('SplitType Line: windows one per line, packed into requests under MaxPayloadInMB, reassembled line by line', async () => {
    captureOutput();
    const table = buildFeatureTable(BARS, fitted.features);
    const rows = slidingWindows(table, 5).map((w) => Array.from(w.inputs).join(','));
    // enough lines for more than one 1 MB request
    const lines = Array.from({ length: 20 }, () => rows).flat();
    const input = tempDir();
    writeFileSync(join(input, 'windows.csv'), `${lines.join('\n')}\n`);
    const output = join(tempDir(), 'out');
    const code = await predictCommand({
      ...common(),
      input,
      output,
      version: String(versions.lstm),
      splitType: 'Line',
      maxPayloadMb: '1',
      accept: 'application/json',
    });
    expect(code).toBe(0);
    const text = readFileSync(join(output, 'windows.csv.out'), 'utf8');
    const answers = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(answers.length).toBeGreaterThan(1);
    const forecasts = answers.flatMap((a) => a.forecasts);
    expect(forecasts).toHaveLength(lines.length);
    expect(answers[0]).toMatchObject({ model: 'lstm', version: versions.lstm });
    // the same window gives the same forecast in whichever request it travelled
    expect(forecasts[rows.length]?.predicted_log_return).toBe(forecasts[0]?.predicted_log_return);
  });

  it('a file that fails gets no output; the others do; exit 1 naming the failure', async () => {
    const { err } = captureOutput();
    const input = inputs();
    writeFileSync(
      join(input, 'broken.csv'),
      'date,open,high,low,close,adj_close,volume\n2024-01-02,1,2,x,1,1,1\n',
    );
    writeFileSync(join(input, 'notes.txt'), 'hello');
    const output = join(tempDir(), 'out');
    expect(await predictCommand({ ...common(), input, output })).toBe(1);
    expect(existsSync(join(output, 'AMZN.csv.out'))).toBe(true);
    expect(existsSync(join(output, 'broken.csv.out'))).toBe(false);
    const text = err.join('');
    expect(text).toMatch(/predict: failed broken\.csv: 400: body:2: low: not a number \(got "x"\)/);
    expect(text).toMatch(
      /predict: failed notes\.txt: cannot tell its content type from "\.txt": pass --content-type/,
    );
    const big = tempDir();
    writeFileSync(join(big, 'big.csv'), 'x'.repeat(1024 * 1024 + 1));
    expect(await predictCommand({ ...common(), input: big, output, maxPayloadMb: '1' })).toBe(1);
    expect(err.join('')).toMatch(/big\.csv: 1\.00 MB is over MaxPayloadInMB \(1\.00 MB\)/);
  });

  it('refuses usage mistakes', async () => {
    captureOutput();
    const input = inputs();
    const run = (options: Record<string, string>) =>
      predictCommand({ ...common(), input, output: join(tempDir(), 'o'), ...options });
    await expect(run({ output: join(input, 'out') })).rejects.toThrow(
      '--output must not be inside --input',
    );
    await expect(run({ splitType: 'RecordIO' })).rejects.toThrow(
      '--split-type: expected None or Line (got "RecordIO")',
    );
    await expect(run({ batchStrategy: 'All' })).rejects.toThrow(
      /--batch-strategy: expected MultiRecord or SingleRecord/,
    );
    await expect(run({ maxPayloadMb: '7' })).rejects.toThrow(
      /--max-payload-mb: expected an integer from 1 to 6/,
    );
    await expect(run({ contentType: 'text/html' })).rejects.toThrow(
      /--content-type: expected text\/csv or application\/json/,
    );
    await expect(run({ accept: 'text/html' })).rejects.toThrow(/--accept/);
    await expect(run({ input: tempDir() })).rejects.toThrow(/no files to predict/);
    await expect(run({ input: join(tempDir(), 'missing') })).rejects.toThrow(/no such directory/);
    await expect(run({ version: '0' })).rejects.toThrow(/--version: expected a version number/);
    await expect(run({ store: tempDir() })).rejects.toThrow(/has no champion/);
    expect(
      await run({
        contentType: 'application/json',
        input: (() => {
          const d = tempDir();
          writeFileSync(join(d, 'windows'), windowBody);
          return d;
        })(),
      }),
    ).toBe(0);
  });
});
