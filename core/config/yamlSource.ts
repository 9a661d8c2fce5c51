import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLError,
} from 'yaml';
import type { ConfigIssue } from './configError.ts';
import type { Location, SourceEntry, SourceNode } from './sourceTree.ts';

/** One config file: its path as shown to users (`config/prod.yaml`) and its text. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

export interface ParsedSource {
  /** undefined for an empty file (only comments or nothing): it sets nothing. */
  readonly tree: SourceNode | undefined;
  readonly issues: readonly ConfigIssue[];
}

/** The path word of issues about the YAML text itself (syntax, duplicate keys, tags). */
export const YAML_PATH = '(yaml)';
/** The path word of a file whose top level is not a mapping. */
export const ROOT_PATH = '(root)';

/**
 * Parses one config file into a located tree. YAML errors and warnings (syntax, tabs as
 * indentation, duplicate keys, unresolved tags, several documents) become `(yaml)` issues;
 * a top level that is not a mapping is a `(root)` issue. Never throws.
 */
export function parseConfigSource(source: ConfigSource): ParsedSource {
  const { file, text } = source;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const issues: ConfigIssue[] = [];
  // Keys met twice in one mapping, by offset, to name them in the parser's duplicate-key error.
  const duplicateKeys = new Map<number, string>();

  const at = (offset: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, position: { line, column: col } };
  };
  const issue = (offset: number, path: string, message: string) => {
    const { position } = at(offset);
    issues.push({ file, line: position.line, column: position.column, path, message });
  };

  const onStack = new Set<Node>();
  const build = (node: Node | null, path: readonly string[]): SourceNode | undefined => {
    if (node === null) return undefined;
    const offset = node.range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) return undefined; // the parser already reported it
      if (onStack.has(target)) {
        issue(offset, YAML_PATH, `alias *${node.source} refers to itself`);
        return undefined;
      }
      // The alias is where this setting gets its value: report the value there.
      const built = build(target, path);
      return built === undefined ? undefined : { ...built, ...at(offset) };
    }
    onStack.add(node);
    try {
      if (isMap(node)) {
        const entries = new Map<string, SourceEntry>();
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const keyNode = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
          const keyOffset = (pair.key as Node | null)?.range?.[0] ?? offset;
          if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
            issue(keyOffset, YAML_PATH, 'keys must be plain names');
            continue;
          }
          const key = String(keyNode.value);
          if (entries.has(key)) duplicateKeys.set(keyOffset, key);
          const value = build(pair.value as Node | null, [...path, key]) ?? {
            kind: 'scalar' as const,
            value: null,
            ...at(keyOffset),
          };
          entries.set(key, { key: at(keyOffset), value });
        }
        return { kind: 'map', ...at(offset), entries };
      }
      if (isSeq(node)) {
        const items: SourceNode[] = [];
        node.items.forEach((item, i) => {
          const built = build(item as Node | null, [...path, String(i)]);
          items.push(built ?? { kind: 'scalar', value: null, ...at(offset) });
        });
        return { kind: 'seq', ...at(offset), items };
      }
      if (isScalar(node)) {
        const { value } = node;
        if (
          value === null ||
          typeof value === 'string' ||
          typeof value === 'number' ||
          typeof value === 'boolean'
        ) {
          return { kind: 'scalar', ...at(offset), value };
        }
        issue(
          offset,
          path.length > 0 ? path.join('.') : ROOT_PATH,
          `must be a plain string, number or true/false (got ${node.tag ?? typeof value})`,
        );
        return { kind: 'scalar', ...at(offset), value: null };
      }
      return undefined;
    } finally {
      onStack.delete(node);
    }
  };

  const contents = doc.contents;
  const empty = contents === null || (isScalar(contents) && contents.value === null);
  let tree = empty ? undefined : build(contents, []);
  if (tree !== undefined && tree.kind !== 'map') {
    const what = tree.kind === 'seq' ? 'a list' : 'a single value';
    issue(
      contents?.range?.[0] ?? 0,
      ROOT_PATH,
      `top level must be a mapping of settings (got ${what})`,
    );
    tree = undefined;
  }
  for (const error of [...doc.errors, ...doc.warnings]) {
    issues.push(yamlIssue(file, error, duplicateKeys));
  }
  return { tree, issues };
}

function yamlIssue(
  file: string,
  error: YAMLError,
  duplicateKeys: ReadonlyMap<number, string>,
): ConfigIssue {
  const start = error.linePos?.[0] ?? { line: 1, col: 1 };
  // prettyErrors appends " at line L, column C:" and a code excerpt; keep the first sentence.
  let message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, '').trim();
  if (error.code === 'DUPLICATE_KEY') {
    const key = duplicateKeys.get(error.pos[0]);
    if (key !== undefined) message += ` (duplicate key ${JSON.stringify(key)})`;
  } else if (error.code === 'MULTIPLE_DOCS') {
    message = 'found a second YAML document (a config file holds one)';
  }
  return { file, line: start.line, column: start.col, path: YAML_PATH, message };
}
