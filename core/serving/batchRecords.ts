/**
 * How Batch Transform cuts an input file into requests and joins the answers, so that
 * `stockops predict` behaves as a transform job does:
 * - SplitType None: the whole file is one request (it must fit MaxPayloadInMB);
 * - SplitType Line: each line is a record; MultiRecord packs consecutive records into requests
 *   of at most MaxPayloadInMB, SingleRecord sends one record per request; the answers are
 *   joined line by line (AssembleWith Line).
 */
export type SplitType = 'None' | 'Line';
export type BatchStrategy = 'MultiRecord' | 'SingleRecord';

export interface BatchPlan {
  readonly splitType: SplitType;
  readonly batchStrategy: BatchStrategy;
  readonly maxPayloadBytes: number;
}

const encoder = new TextEncoder();

/** The request bodies for one input file, in order. RangeError when a request cannot fit. */
export function miniBatches(text: string, plan: BatchPlan): string[] {
  const max = plan.maxPayloadBytes;
  if (plan.splitType === 'None') {
    const size = encoder.encode(text).length;
    if (size > max) {
      throw new RangeError(
        `${megabytes(size)} is over MaxPayloadInMB (${megabytes(max)}): split the file, or send ` +
          'windows one per line with SplitType Line',
      );
    }
    return [text];
  }
  const records = text.split('\n').filter((line) => line.trim() !== '');
  const batches: string[] = [];
  let current: string[] = [];
  let currentBytes = 0;
  records.forEach((record, i) => {
    const bytes = encoder.encode(record).length + 1;
    if (bytes > max) {
      throw new RangeError(
        `record ${i + 1} is ${megabytes(bytes)}, over MaxPayloadInMB (${megabytes(max)})`,
      );
    }
    const full =
      plan.batchStrategy === 'SingleRecord' ? current.length > 0 : currentBytes + bytes > max;
    if (full) {
      batches.push(current.join(''));
      current = [];
      currentBytes = 0;
    }
    current.push(`${record}\n`);
    currentBytes += bytes;
  });
  if (current.length > 0) batches.push(current.join(''));
  return batches;
}

/** Joins the answers to one file's requests: line by line for Line, as-is for None. */
export function assemble(outputs: readonly string[], splitType: SplitType): string {
  if (splitType === 'None') return outputs.join('');
  return outputs.map((o) => (o === '' || o.endsWith('\n') ? o : `${o}\n`)).join('');
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}
