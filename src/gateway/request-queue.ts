/**
 * A bounded queue in front of a backend that answers one request at a time (the embedded engine): up to
 * `concurrency` run, up to `waiting` more wait their turn in order, and any more are refused at once (the
 * gateway answers 429 with retry-after). A waiter whose caller goes away leaves the queue.
 */

export type Release = () => void;

export type RequestQueue = {
  /** A turn: resolves when it is this request's turn; null when the queue is full. */
  enter(signal: AbortSignal): Promise<Release> | null;
  /** Running and waiting now. */
  size(): { running: number; waiting: number };
};

export function createRequestQueue(options: { concurrency: number; waiting: number }): RequestQueue {
  let running = 0;
  const waiters: Array<{ start: () => void; signal: AbortSignal }> = [];
  const release = () => {
    running -= 1;
    next();
  };
  const next = () => {
    while (running < options.concurrency && waiters.length > 0) {
      const waiter = waiters.shift();
      if (!waiter || waiter.signal.aborted) continue;
      running += 1;
      waiter.start();
    }
  };
  const once = (): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return {
    enter(signal) {
      if (running < options.concurrency && waiters.length === 0) {
        running += 1;
        return Promise.resolve(once());
      }
      if (waiters.length >= options.waiting) return null;
      return new Promise<Release>((resolve, reject) => {
        const waiter = {
          signal,
          start: () => {
            signal.removeEventListener("abort", onAbort);
            resolve(once());
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at !== -1) waiters.splice(at, 1);
          reject(new Error("the caller went away while waiting"));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    size: () => ({ running, waiting: waiters.length }),
  };
}
