/**
 * Runs `pass` now and then every `everyMs` (0 or less: never), one pass at a time: a tick that
 * finds the previous pass still running is skipped. A failed pass goes to `onError` and the next
 * tick tries again. The timers do not keep the process alive. Returns a function that stops it.
 * (Forget recovery and store deletion recovery; each pass takes its own lease.)
 */
export function startPeriodicPass(everyMs: number, pass: () => Promise<void>, onError: (err: unknown) => void): () => void {
  if (everyMs <= 0) return () => undefined;
  let busy = false;
  const run = async () => {
    if (busy) return;
    busy = true;
    try {
      await pass();
    } catch (err) {
      onError(err);
    } finally {
      busy = false;
    }
  };
  const first = setTimeout(() => void run(), 0);
  const timer = setInterval(() => void run(), everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
