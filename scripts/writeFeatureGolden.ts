#!/usr/bin/env node
// Writes test/fixtures/features/golden.json from core/features (see scripts/features/
// featureGolden.ts). Run it after changing a feature formula, and bump FEATURE_VERSION in
// core/features/featureTable.ts and processing/spark/features_job.py with it.
import { FileObjectStore } from '../adapters/local/fileObjectStore.ts';
import { featureGolden, formatGolden, GOLDEN_FILE } from './features/featureGolden.ts';

// The store's put is the project's atomic write (temp file + rename; unchanged bytes untouched).
const result = await new FileObjectStore('.').put(GOLDEN_FILE, formatGolden(featureGolden()));
process.stdout.write(
  `${GOLDEN_FILE}: ${result.written ? 'written' : 'unchanged'} (${result.size} bytes)\n`,
);
