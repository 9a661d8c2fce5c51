/** How a long run tells its user where it is. The CLI draws it; tests record it. */
export interface ProgressReporter {
  stepStarted(step: string, subject: string): void;
  /** A note from inside a long step (a fold fitted); optional to show. */
  stepProgress?(step: string, subject: string, message: string): void;
  stepFinished(step: string, subject: string, durationMs: number, detail: string): void;
  stepFailed(step: string, subject: string, durationMs: number, message: string): void;
}

export const silentProgress: ProgressReporter = {
  stepStarted: () => {},
  stepFinished: () => {},
  stepFailed: () => {},
};
