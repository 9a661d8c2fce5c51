import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleIngestLambda, REQUIRE_SHIM } from '../../scripts/bundleLambda.ts';
import { type FaultyYahoo, startFaultyYahoo } from '../support/faultyYahoo.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const run = promisify(execFile);
const tempDir = useTempDir('stockops-bundle-');
let yahoo: FaultyYahoo | undefined;
afterEach(async () => {
  await yahoo?.close();
  yahoo = undefined;
});

describe('the ingest Lambda bundle', () => {
  it('is one ESM file for Node 24 that runs the handler in a fresh process', async () => {
    const bundle = await bundleIngestLambda(tempDir());
    const code = readFileSync(bundle.file, 'utf8');
    expect(code.startsWith(REQUIRE_SHIM)).toBe(true);
    expect(bundle.bytes).toBeGreaterThan(100_000);
    // loading it opens no connection (aws-embedded-metrics' index would probe EC2 metadata)
    const loaded = await run(process.execPath, [
      '--input-type=module',
      '-e',
      'await import(process.argv[1]); setImmediate(() => process.stdout.write(JSON.stringify(process.getActiveResourcesInfo())));',
      pathToFileURL(bundle.file).href,
    ]);
    expect(JSON.parse(loaded.stdout)).not.toContain('TCPSocketWrap');

    yahoo = await startFaultyYahoo({ AMZN: syntheticBars(10, '2024-03-04') });
    yahoo.inject({ kind: 'status', status: 500 }, 1);
    const store = tempDir();
    const script =
      'const { handler } = await import(process.argv[1]);' +
      'const out = await handler({ source: "stockops.schedule", time: "2024-03-11T22:30:00Z" }, { awsRequestId: "r1" });' +
      'process.stderr.write(JSON.stringify(out));';
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(bundle.file).href],
      {
        env: {
          PATH: process.env.PATH ?? '',
          STOCKOPS_STORE_DIR: store,
          STOCKOPS_SYMBOLS: 'AMZN',
          STOCKOPS_YAHOO_BASE_URL: yahoo.baseUrl,
          STOCKOPS_RESILIENCE: '{"yahoo":{"initial_delay_ms":1,"max_delay_ms":10}}',
        },
      },
    );
    expect(JSON.parse(stderr)).toMatchObject({
      status: 'ingested',
      date: '2024-03-11',
      symbols: { AMZN: { written: 1 } },
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // JSON logs and EMF documents on stdout, as CloudWatch Logs receives them
    expect(lines.find((l) => l.msg === 'source retry')).toMatchObject({
      requestId: 'r1',
      level: 'warn',
    });
    expect(lines.find((l) => l._aws && 'Retries' in l)).toMatchObject({ Retries: 1 });
    expect(lines.at(-1)).toMatchObject({ msg: 'ingest done', status: 'ingested' });
    expect(
      readFileSync(`${store}/curated/symbol=AMZN/year=2024/month=03/bars.csv`, 'utf8').split(
        '\n',
      )[1],
    ).toMatch(/^2024-03-11,/);
  });
});
