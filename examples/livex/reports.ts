/**
 * The extension of the livex host: where a job reports when it has run. Types only: the host
 * imports them, and so do the plugins (`import type`, erased by the build).
 */

/** What a job reports: plain data, which the host prints as a `job` event. */
export interface JobReport {
  readonly task: number;
  /** The version of the code that ran the job. */
  readonly ranBy: string;
  /** The version that scheduled it (a field of the task). */
  readonly scheduledBy: string;
  /** The task's fields after `live.unwrap`: the fields of the live type of the version running. */
  readonly fields: readonly string[];
  readonly output: string;
}

/** `PluginManager<JobDesk>`: one per generation. */
export interface JobDesk {
  report(report: JobReport): void;
}
