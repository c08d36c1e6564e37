/**
 * Runs tasks one at a time, in the order they were queued. The `sqlite` driver puts every
 * operation of a database through one: its connection is synchronous underneath, so a write
 * waiting on SQLite's lock held by a transaction of this same process would block the event loop
 * that transaction needs to finish. Queued, a transaction always runs alone.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The next task waits for this one to settle, whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
