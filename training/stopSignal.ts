/** Training stopped on request (SIGTERM); what was done is in the checkpoints. */
export class TrainingStopped extends Error {
  constructor(signal: string) {
    super(
      `${signal} received: stopped at a fit boundary; the checkpoints hold every completed fit`,
    );
    this.name = 'TrainingStopped';
  }
}

/**
 * A stop request, honoured at fit boundaries. A tfjs fit never yields to the event loop (WASM
 * ops settle as microtasks), so a signal handler cannot even run until the fit ends; at each
 * boundary the trainer yields a macrotask, which lets a pending SIGTERM's handler run, and
 * then stops if one did. The wait is at most one fit (seconds with the default config, against
 * SageMaker's 120 s between SIGTERM and SIGKILL).
 */
export class StopSignal {
  private signal: string | undefined;

  request(signal: string): void {
    this.signal ??= signal;
  }

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** Yields to the event loop, then throws TrainingStopped if a stop was requested. */
  async boundary(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.signal !== undefined) throw new TrainingStopped(this.signal);
  }
}
