/**
 * A task of the queue. A live type (its name starts with `live_`, in any case): jobs carry it as
 * plain data (`live.wrap`), and whichever version runs the job rebuilds it with ITS class
 * (`live.unwrap`).
 */
export class Live_Task {
  id = 0;
  text = '';
  /** The version that scheduled the task. */
  scheduledBy = '';
}
