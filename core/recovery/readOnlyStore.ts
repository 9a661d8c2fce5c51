import type { ObjectStore } from '../ports/objectStore.ts';

/**
 * A view of a store that refuses every write: the drill reads the original store through it,
 * so a bug in the drill fails loudly instead of touching the data it is meant to protect.
 */
export function readOnlyStore(store: ObjectStore): ObjectStore {
  const refuse = (what: string, key: string): never => {
    throw new Error(
      `${store.location} is read-only in a recovery drill: refused to ${what} ${key} (a bug: the drill writes only its scratch copy)`,
    );
  };
  return {
    location: store.location,
    put: async (key) => refuse('write', key),
    delete: async (key) => refuse('delete', key),
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
  };
}
