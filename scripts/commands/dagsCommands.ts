import { loadConfig } from '../../adapters/local/configFiles.ts';
import {
  DEFAULT_PIPELINES_DIR,
  loadPipelineSpecs,
} from '../../adapters/local/pipelineSpecFiles.ts';
import { exportGraph, planTasks } from '../../core/orchestration/taskGraph.ts';
import { EXIT_OK } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

/** `stockops dags validate [DIR]`: one line per spec, or one line per issue and exit 2. */
export function dagsValidateCommand(dir: string | undefined, options: CommonOptions): number {
  const { config } = loadConfig({ dir: options.config, env: options.env });
  for (const spec of loadPipelineSpecs(dir ?? DEFAULT_PIPELINES_DIR, config)) {
    const order = planTasks(spec).map((t) => t.id);
    process.stdout.write(
      `${spec.file}: ok (${spec.dagId}, ${spec.schedule ?? 'no schedule'} ${spec.timezone}; ${order.join(' → ')})\n`,
    );
  }
  return EXIT_OK;
}

/** `stockops dags export [DIR]`: the task graphs (stockops.task-graph/v1) as one JSON array. */
export function dagsExportCommand(dir: string | undefined, options: CommonOptions): number {
  const { config } = loadConfig({ dir: options.config, env: options.env });
  const graphs = loadPipelineSpecs(dir ?? DEFAULT_PIPELINES_DIR, config).map(exportGraph);
  process.stdout.write(`${JSON.stringify(graphs, null, 2)}\n`);
  return EXIT_OK;
}
