/**
 * The registry's object layout (docs/model-registry.md):
 *
 *   registry/group=AMZN/champion.json
 *   registry/group=AMZN/version=000001/package.json
 *   registry/group=AMZN/version=000001/artifacts/model.json
 *
 * Versions are zero-padded so a sorted listing is in version order up to 999999; past that
 * the number simply grows a digit, and versions are always compared as numbers.
 */

const VERSION_DIGITS = 6;

/** Ends in `/` so group AMZ never lists AMZN's objects. */
export function groupPrefix(group: string): string {
  return `registry/group=${group}/`;
}

/** Every object of every version of the group, complete or not. */
export function versionsPrefix(group: string): string {
  return `${groupPrefix(group)}version=`;
}

export function versionPrefix(group: string, version: number): string {
  return `${versionsPrefix(group)}${String(version).padStart(VERSION_DIGITS, '0')}/`;
}

export function packageKey(group: string, version: number): string {
  return `${versionPrefix(group, version)}package.json`;
}

export function artifactsPrefix(group: string, version: number): string {
  return `${versionPrefix(group, version)}artifacts/`;
}

export function artifactKey(group: string, version: number, path: string): string {
  return `${artifactsPrefix(group, version)}${path}`;
}

export function championKey(group: string): string {
  return `${groupPrefix(group)}champion.json`;
}

/** `000001/package.json` → 1, `package.json`; the rest of a key under versionsPrefix. */
const VERSION_DIR = /^(\d+)\/(.*)$/;

/**
 * Reads keys listed under versionsPrefix(group). `used` holds every version number that has
 * any object (a half-written version included, so its number is never handed out again);
 * `complete` those whose package.json exists, ascending.
 */
export function versionsInKeys(
  group: string,
  keys: readonly string[],
): { used: number[]; complete: number[] } {
  const prefix = versionsPrefix(group);
  const used = new Set<number>();
  const complete = new Set<number>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const match = VERSION_DIR.exec(key.slice(prefix.length));
    if (match === null) continue;
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version) || version < 1) continue;
    used.add(version);
    if (match[2] === 'package.json') complete.add(version);
  }
  const ascending = (a: number, b: number) => a - b;
  return { used: [...used].sort(ascending), complete: [...complete].sort(ascending) };
}

/** max(used) + 1, or 1 for a new group. */
export function nextVersion(used: readonly number[]): number {
  return used.reduce((max, v) => Math.max(max, v), 0) + 1;
}

/** `AMZN/3`: the model package id, as in the tail of a SageMaker model package ARN. */
export function packageId(group: string, version: number): string {
  return `${group}/${version}`;
}

/**
 * The lineage copies of the registry's records, outside registry/ so that they survive its
 * loss (docs/runbooks/disaster-recovery.md): package.json and champion.json as written, byte
 * for byte. The artifacts are not copied: they are rebuilt from raw/ and these records.
 */
export function lineageGroupPrefix(group: string): string {
  return `lineage/registry/group=${group}/`;
}

export function lineagePackageKey(group: string, version: number): string {
  return `${lineageGroupPrefix(group)}version=${String(version).padStart(VERSION_DIGITS, '0')}.json`;
}

export function lineageChampionKey(group: string): string {
  return `${lineageGroupPrefix(group)}champion.json`;
}

const LINEAGE_VERSION = /^version=(\d+)\.json$/;

/** The versions that have a lineage copy, from keys under lineageGroupPrefix(group), ascending. */
export function lineageVersionsInKeys(group: string, keys: readonly string[]): number[] {
  const prefix = lineageGroupPrefix(group);
  const versions: number[] = [];
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const match = LINEAGE_VERSION.exec(key.slice(prefix.length));
    const version = Number(match?.[1]);
    if (match && Number.isSafeInteger(version) && version >= 1) versions.push(version);
  }
  return versions.sort((a, b) => a - b);
}
