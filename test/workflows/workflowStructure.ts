// Structural checks of GitHub workflow files that actionlint and zizmor do not make: local
// actions exist and get only the inputs they declare, third-party actions are pinned to a
// commit with its version in a comment, and every workflow and job states minimal permissions.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
  type Document as YamlDocument,
} from 'yaml';

export interface WorkflowProblem {
  readonly file: string;
  readonly line: number;
  /** Where in the workflow, e.g. `jobs.deploy.steps[2].with.bucket`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: WorkflowProblem): string {
  return `${p.file}:${p.line}: ${p.path}: ${p.message}`;
}

export interface ActionInput {
  readonly required: boolean;
  readonly hasDefault: boolean;
}

/** The inputs an action.yml declares, by name. */
export function readActionInputs(actionYml: string): Map<string, ActionInput> {
  const parsed: unknown = parseDocument(readFileSync(actionYml, 'utf8')).toJS();
  const inputs = new Map<string, ActionInput>();
  const declared = isRecord(parsed) ? parsed.inputs : undefined;
  if (!isRecord(declared)) return inputs;
  for (const [name, spec] of Object.entries(declared)) {
    const s = isRecord(spec) ? spec : {};
    inputs.set(name, {
      required: s.required === true || s.required === 'true',
      hasDefault: s.default !== undefined,
    });
  }
  return inputs;
}

/**
 * Write scopes a job may hold, each with the steps that need it. Anything else may only be
 * read (or none): a job asking for more than its steps use is a finding.
 */
export const WRITE_SCOPES_NEEDED_BY: Readonly<Record<string, readonly string[]>> = {
  'id-token': ['aws-actions/configure-aws-credentials'],
  'pull-requests': ['./actions/pr-report'],
};

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+(\.\d+)*\b/;

/** Every problem in one workflow file; `repoRoot` is where `./actions/<name>` resolve. */
export function checkWorkflow(file: string, repoRoot: string): WorkflowProblem[] {
  const source = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  const sourceLines = source.split('\n');
  const problems: WorkflowProblem[] = [];
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const report = (node: Node | null | undefined, path: string, message: string) =>
    problems.push({ file, line: lineOf(node), path, message });

  for (const error of doc.errors) {
    problems.push({ file, line: error.linePos?.[0].line ?? 1, path: '', message: error.message });
  }
  if (problems.length > 0) return problems;

  checkWorkflowPermissions(doc, report);
  const jobs = doc.get('jobs');
  if (!isMap(jobs)) {
    report(doc.contents, 'jobs', 'a workflow needs a jobs map');
    return problems;
  }
  for (const pair of jobs.items) {
    const jobId = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!isMap(pair.value)) continue;
    checkJob(pair.value, `jobs.${jobId}`, repoRoot, sourceLines, lineOf, report);
  }
  return problems;
}

type Report = (node: Node | null | undefined, path: string, message: string) => void;

function checkWorkflowPermissions(doc: YamlDocument, report: Report): void {
  const permissions = doc.get('permissions', true) as Node | undefined;
  if (permissions === undefined) {
    report(
      doc.contents,
      'permissions',
      'state `permissions: {}` at the top; jobs ask for their own',
    );
  } else if (!isMap(permissions) || permissions.items.length > 0) {
    report(
      permissions,
      'permissions',
      'the workflow grants nothing (`{}`); each job asks for what it uses',
    );
  }
}

function checkJob(
  job: YAMLMap,
  path: string,
  repoRoot: string,
  sourceLines: readonly string[],
  lineOf: (node: Node | null | undefined) => number,
  report: Report,
): void {
  const steps = job.get('steps');
  const uses: string[] = [];
  if (isSeq(steps)) {
    steps.items.forEach((step, i) => {
      if (!isMap(step)) return;
      const stepPath = `${path}.steps[${i}]`;
      const usesNode = step.get('uses', true) as Node | undefined;
      if (!isScalar(usesNode)) return;
      const ref = String(usesNode.value);
      uses.push(ref);
      if (ref.startsWith('./')) {
        checkLocalAction(ref, step, stepPath, repoRoot, report);
      } else if (!ref.startsWith('docker://')) {
        if (!PINNED.test(ref)) {
          report(usesNode, `${stepPath}.uses`, `"${ref}" is not pinned to a 40-hex commit SHA`);
        } else if (!VERSION_COMMENT.test(sourceLines[lineOf(usesNode) - 1] ?? '')) {
          report(
            usesNode,
            `${stepPath}.uses`,
            `"${ref}" needs its version in a comment (# vX.Y.Z)`,
          );
        }
      }
    });
  }
  checkJobPermissions(job, path, uses, report);
}

function checkLocalAction(
  ref: string,
  step: YAMLMap,
  stepPath: string,
  repoRoot: string,
  report: Report,
): void {
  const dir = join(repoRoot, ref);
  const actionYml = ['action.yml', 'action.yaml'].map((f) => join(dir, f)).find(existsSync);
  const usesNode = step.get('uses', true) as Node;
  if (actionYml === undefined) {
    report(usesNode, `${stepPath}.uses`, `${ref} has no action.yml`);
    return;
  }
  const inputs = readActionInputs(actionYml);
  const withNode = step.get('with', true) as Node | undefined;
  const given = new Set<string>();
  if (isMap(withNode)) {
    for (const pair of withNode.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      given.add(key);
      if (!inputs.has(key)) {
        const known = [...inputs.keys()].join(', ') || 'none';
        report(
          pair.key as Node,
          `${stepPath}.with.${key}`,
          `${ref} has no input "${key}" (its inputs: ${known})`,
        );
      }
    }
  }
  for (const [name, input] of inputs) {
    if (input.required && !input.hasDefault && !given.has(name)) {
      report(usesNode, `${stepPath}.with`, `${ref} requires the input "${name}"`);
    }
  }
}

function checkJobPermissions(job: YAMLMap, path: string, uses: readonly string[], report: Report) {
  const permissions = job.get('permissions', true) as Node | undefined;
  if (permissions === undefined) {
    report(
      job,
      `${path}.permissions`,
      'every job states its permissions (at least `contents: read`)',
    );
    return;
  }
  if (!isMap(permissions)) {
    report(
      permissions,
      `${path}.permissions`,
      'list the scopes (read-all / write-all grant too much)',
    );
    return;
  }
  const granted = new Map<string, string>();
  for (const pair of permissions.items) {
    const scope = isScalar(pair.key) ? String(pair.key.value) : '?';
    const level = isScalar(pair.value) ? String(pair.value.value) : '?';
    granted.set(scope, level);
    if (level !== 'write') continue;
    const neededBy = WRITE_SCOPES_NEEDED_BY[scope] ?? [];
    if (!uses.some((ref) => neededBy.some((n) => ref === n || ref.startsWith(`${n}@`)))) {
      report(
        pair.key as Node,
        `${path}.permissions.${scope}`,
        `${scope}: write is not needed by any step of this job` +
          (neededBy.length > 0 ? ` (only ${neededBy.join(', ')} needs it)` : ''),
      );
    }
  }
  for (const [scope, neededBy] of Object.entries(WRITE_SCOPES_NEEDED_BY)) {
    const needs = uses.find((ref) => neededBy.some((n) => ref === n || ref.startsWith(`${n}@`)));
    if (needs !== undefined && granted.get(scope) !== 'write') {
      report(permissions, `${path}.permissions`, `${needs} needs ${scope}: write`);
    }
  }
}

/** Every problem in every *.yml / *.yaml workflow of a directory. */
export function checkWorkflows(workflowsDir: string, repoRoot: string): WorkflowProblem[] {
  return readdirSync(workflowsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => checkWorkflow(join(workflowsDir, f), repoRoot));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
