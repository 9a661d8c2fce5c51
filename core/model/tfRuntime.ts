import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<string> | undefined;

/**
 * Selects the tfjs backend once: WASM (SIMD, one core, 5–7× faster than pure JS here), or the
 * pure-JS `cpu` backend when WASM cannot start. Returns the backend's name for the metadata,
 * since float results are only bit-identical within one backend.
 */
export function tfReady(preferred: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  ready ??= (async () => {
    if (preferred === 'wasm') {
      try {
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          return tf.getBackend();
        }
      } catch {
        // fall through to the pure-JS backend
      }
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}
