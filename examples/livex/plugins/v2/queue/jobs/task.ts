/**
 * A task of the queue, v2: a new field with a default, and a method. A task scheduled by v1 and
 * run by v2 is unwrapped into THIS class: it gets `priority = 'normal'` and `describe()`.
 */
export class Live_Task {
  id = 0;
  text = '';
  /** The version that scheduled the task. */
  scheduledBy = '';
  /** New in v2. */
  priority = 'normal';

  describe(): string {
    return `#${this.id} "${this.text}" (priority ${this.priority}, scheduled by ${this.scheduledBy})`;
  }
}
