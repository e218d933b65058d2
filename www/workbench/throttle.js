// Why this file exists: the workbench host page and the fake CCP share one thread (same site), and that thread
// answers the provider's CIF calls and Streams API requests. Redrawing either UI on every message made a burst
// of contacts measure the workbench's drawing instead of the bridge, so both redraw through this.

/** `fn`, run at most once every `everyMs` (after the calls that asked for it, never dropped). */
export function throttled(fn, everyMs) {
  let queued = false;
  let lastAt = -Infinity;
  return () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; lastAt = performance.now(); fn(); }, Math.max(0, lastAt + everyMs - performance.now()));
  };
}
