import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import {
  gateDecisionKey,
  runReportHtmlKey,
  runReportMarkdownKey,
  runSummaryKey,
} from '../../core/data/partitions.ts';
import {
  latestDriftReport,
  loadRunReportInput,
  ReportInputError,
  writeRunReport,
} from '../../core/report/runReportFiles.ts';
import { fixtureDrift, recordingRenderer, storeFixtureRun } from './reportFixtures.ts';

const RUN = '20240102T000000Z-abcdef';

describe('run report files', () => {
  it('writes report.html and report.md beside the summary, and rewrites nothing on a re-run', async () => {
    const store = new MemoryObjectStore();
    await storeFixtureRun(store, RUN);
    const first = await writeRunReport(store, RUN, recordingRenderer());
    expect(first.htmlKey).toBe(runReportHtmlKey(RUN));
    expect(first.markdownKey).toBe(runReportMarkdownKey(RUN));
    const html = new TextDecoder().decode(await store.get(first.htmlKey));
    expect(html).toContain(`<h1>stockops run ${RUN}`);
    expect(first.htmlBytes).toBe(new TextEncoder().encode(html).length);
    const again = await store.put(first.htmlKey, (await buildAgain(store)) ?? '');
    expect(again.written).toBe(false);
  });

  it('picks the latest drift report up to the evaluated data', async () => {
    const store = new MemoryObjectStore();
    for (const asOf of ['2023-09-01', '2023-10-02', '2099-01-01']) {
      await store.put(`monitor/AAA/drift/${asOf}.json`, JSON.stringify(fixtureDrift('AAA', asOf)));
    }
    await store.put('monitor/AAA/drift/notes.txt', 'ignored');
    expect((await latestDriftReport(store, 'AAA', '2023-12-31'))?.as_of).toBe('2023-10-02');
    expect((await latestDriftReport(store, 'AAA'))?.as_of).toBe('2099-01-01');
    expect(await latestDriftReport(store, 'BBB')).toBeUndefined();

    const { evaluation } = await storeFixtureRun(store, RUN);
    const input = await loadRunReportInput(store, RUN);
    const asOf = input.symbols[0]?.drift?.as_of;
    expect(asOf !== undefined && asOf <= evaluation.data.to).toBe(true);
  });

  it('names the file and field when an input is missing or of another schema', async () => {
    const store = new MemoryObjectStore();
    await expect(loadRunReportInput(store, RUN)).rejects.toThrow(
      `memory:/${runSummaryKey(RUN)}: no such run summary`,
    );
    await storeFixtureRun(store, RUN);
    await store.put(gateDecisionKey(RUN, 'AAA'), JSON.stringify({ schema: 'other/v9' }));
    await expect(loadRunReportInput(store, RUN)).rejects.toThrow(
      `${gateDecisionKey(RUN, 'AAA')}: schema: expected stockops.gate-decision/v1, got "other/v9"`,
    );
    await store.put(gateDecisionKey(RUN, 'AAA'), '{not json');
    await expect(loadRunReportInput(store, RUN)).rejects.toBeInstanceOf(ReportInputError);
  });
});

async function buildAgain(store: MemoryObjectStore): Promise<string | undefined> {
  await writeRunReport(store, RUN, recordingRenderer());
  const bytes = await store.get(runReportHtmlKey(RUN));
  return bytes && new TextDecoder().decode(bytes);
}
