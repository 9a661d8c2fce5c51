/**
 * The store's data classes for disaster recovery (docs/runbooks/disaster-recovery.md).
 * Primary data cannot be made again and must be kept (S3 versioning); derived data is a
 * function of primary data and the code, so a loss is repaired by rebuilding it, and
 * `stockops dr drill` proves that it can be.
 */
export type DataClassName =
  | 'raw'
  | 'lineage'
  | 'curated'
  | 'features'
  | 'model artifacts'
  | 'registry versions'
  | 'champion pointers';

export interface DataClass {
  readonly name: DataClassName;
  readonly kind: 'primary' | 'derived';
  /** Where it lives in the store. */
  readonly prefix: string;
  /** What it is rebuilt from (derived) or why it cannot be (primary). */
  readonly source: string;
}

export const DATA_CLASSES: readonly DataClass[] = [
  {
    name: 'raw',
    kind: 'primary',
    prefix: 'raw/',
    source: 'what the source returned that day; a later fetch may differ (revisions, splits)',
  },
  {
    name: 'lineage',
    kind: 'primary',
    prefix: 'lineage/',
    source: 'decisions and settings: statuses, reasons, champion history, the config a run used',
  },
  { name: 'curated', kind: 'derived', prefix: 'curated/', source: 'raw/' },
  { name: 'features', kind: 'derived', prefix: 'features/', source: 'curated/ + lineage/features' },
  {
    name: 'model artifacts',
    kind: 'derived',
    prefix: 'registry/…/artifacts/',
    source: 'curated/ + lineage/registry (data range, hyperparameters) + lineage/config',
  },
  {
    name: 'registry versions',
    kind: 'derived',
    prefix: 'registry/…/package.json',
    source: 're-evaluation (metrics) + lineage/registry (status, reasons)',
  },
  {
    name: 'champion pointers',
    kind: 'derived',
    prefix: 'registry/…/champion.json',
    source: 'lineage/registry/…/champion.json, checked against the rebuilt versions',
  },
];

/** Object prefixes a drill deletes from its scratch copy before rebuilding. */
export const DERIVED_PREFIXES: readonly string[] = ['curated/', 'features/', 'registry/'];
