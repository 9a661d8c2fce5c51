/**
 * A config file's content as a tree that remembers where every key and value came from, so a
 * problem found after merging can be reported at the file, line and column that set it.
 */

/** 1-based, as editors count. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface Location {
  readonly file: string;
  readonly position: Position;
}

export type ScalarValue = string | number | boolean | null;

export interface SourceMap extends Location {
  readonly kind: 'map';
  readonly entries: ReadonlyMap<string, SourceEntry>;
}

export interface SourceEntry {
  /** Where the key is written (unknown keys are reported here). */
  readonly key: Location;
  readonly value: SourceNode;
}

export interface SourceSeq extends Location {
  readonly kind: 'seq';
  readonly items: readonly SourceNode[];
}

export interface SourceScalar extends Location {
  readonly kind: 'scalar';
  readonly value: ScalarValue;
}

export type SourceNode = SourceMap | SourceSeq | SourceScalar;

/**
 * Merges `over` onto `base`: two mappings merge key by key (recursively); anything else in
 * `over` (a list, a plain value, a mapping over a non-mapping) replaces `base` whole. A merged
 * mapping keeps the location of the first file that defined it; keys keep their first position
 * in the mapping but take the key location of the last file that set them.
 */
export function mergeNodes(
  base: SourceNode | undefined,
  over: SourceNode | undefined,
): SourceNode | undefined {
  if (base === undefined) return over;
  if (over === undefined) return base;
  if (base.kind !== 'map' || over.kind !== 'map') return over;
  const entries = new Map(base.entries);
  for (const [key, entry] of over.entries) {
    const prev = entries.get(key);
    const value = mergeNodes(prev?.value, entry.value) ?? entry.value;
    entries.set(key, { key: entry.key, value });
  }
  return { kind: 'map', file: base.file, position: base.position, entries };
}

/** The plain JSON-like value of a tree (`{}` for no tree: empty files mean no settings). */
export function toPlain(node: SourceNode | undefined): unknown {
  if (node === undefined) return {};
  return plain(node);
}

function plain(node: SourceNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(plain);
    case 'map':
      // fromEntries defines own properties, so even a `__proto__` key stays an ordinary key.
      return Object.fromEntries([...node.entries].map(([k, e]) => [k, plain(e.value)]));
  }
}

/** The node at `path` (keys, and indexes of lists), or undefined when there is none. */
export function nodeAt(
  root: SourceNode | undefined,
  path: readonly string[],
): SourceNode | undefined {
  let node = root;
  for (const segment of path) {
    if (node === undefined) return undefined;
    if (node.kind === 'map') node = node.entries.get(segment)?.value;
    else if (node.kind === 'seq')
      node = /^\d+$/.test(segment) ? node.items[Number(segment)] : undefined;
    else return undefined;
  }
  return node;
}

/** The entry `key` of the mapping at `path`, or undefined when there is none. */
export function entryAt(
  root: SourceNode | undefined,
  path: readonly string[],
  key: string,
): SourceEntry | undefined {
  const parent = nodeAt(root, path);
  return parent?.kind === 'map' ? parent.entries.get(key) : undefined;
}
