import type { CrashPoint, CrashReport } from './harness.js';

/** One node step-body attempt, as the schedule counts it. */
export interface AttemptInfo {
  readonly stepIndex: number;
  readonly nodeId: string;
  readonly attempt: number;
}

/**
 * Decides when an incarnation dies. Whoever sees node attempts (the test nodes in a real process, or
 * the in-memory runner's hooks) reports them here; at the configured point the schedule calls `die`
 * once with what it knows. Counting is the same for every adapter, so a crash point means the same
 * moment everywhere.
 */
export class CrashSchedule {
  private started = 0;
  private target: AttemptInfo | undefined;
  private report: CrashReport | undefined;

  constructor(
    /** Where to die; undefined never dies. */
    readonly point: CrashPoint | undefined,
    private readonly die: (report: CrashReport) => void,
  ) {}

  /** The crash, once it happened. */
  get crashed(): CrashReport | undefined {
    return this.report;
  }

  /** An attempt's body starts, before its side effect. */
  attemptStarted(info: AttemptInfo): void {
    const number = this.started;
    this.started += 1;
    if (this.point?.atNodeExecution !== number) return;
    this.target = info;
    if (this.point.phase === 'before-effect') this.fire();
  }

  /** The attempt that started last did its side effect (or its body returned). */
  effectDone(): void {
    if (this.point?.phase === 'after-effect' && this.target && this.started === this.point.atNodeExecution + 1) this.fire();
  }

  /** The runner recorded the outcome of the step at `stepIndex`. */
  stepRecorded(stepIndex: number): void {
    if (this.point?.phase === 'after-record' && this.target?.stepIndex === stepIndex) this.fire();
  }

  private fire(): void {
    if (this.report || !this.point || !this.target) return;
    this.report = { ...this.point, ...this.target };
    this.die(this.report);
  }
}
