// Several Dynamics tabs, one agent: the Web Lock that elects the one page that pops, and the BroadcastChannel
// of the same name on which the pages talk. This file decides nothing: it reports what the lock and the channel
// did to `report(kind, detail)`, and the Rust core decides (crates/bridge-core/src/bridge/leadership.rs).
//
// kinds: 'held' (this page holds the lock), 'waiting' (another page holds it; this one waits in line),
// 'lost' (the lock was taken from this page: detail = what the browser said), 'unavailable' (no Web Locks or
// BroadcastChannel here, or a request failed: detail), 'message' (detail = what another page posted).
//
// A lock is released by the browser when its page dies (closed, crashed, reloaded), so the next page in line
// gets it without anyone's timer.

export class TabLeadership {
  constructor(report) {
    this.report = report;
    this.name = null;
    this.channel = null;
    this.waitingRequest = null;
    this.releaseHeld = null;
  }

  /** Ask for the lock if it is free, else wait in line for it; listen on the channel of the same name. */
  seek(name) {
    const locks = globalThis.navigator && globalThis.navigator.locks;
    if (!locks || typeof locks.request !== 'function') {
      this.report('unavailable', 'navigator.locks is not available in this frame');
      return;
    }
    if (this.name !== name) {
      this.close();
      this.name = name;
      try {
        this.channel = new BroadcastChannel(name);
        this.channel.onmessage = (event) => this.report('message', event.data);
      } catch (e) {
        this.report('unavailable', describe(e));
        return;
      }
    }
    this.request({ ifAvailable: true });
  }

  /** Take the lock from the page that holds it. */
  takeOver() {
    if (this.name !== null) {
      this.request({ steal: true });
    }
  }

  /** Post on the channel; a failure is reported, never thrown into the caller. */
  post(text) {
    if (this.channel === null) {
      return;
    }
    try {
      this.channel.postMessage(text);
    } catch (e) {
      this.report('unavailable', describe(e));
    }
  }

  /** Release everything (the page's driver is going away). */
  close() {
    this.withdrawWaiting();
    if (this.releaseHeld !== null) {
      this.releaseHeld();
      this.releaseHeld = null;
    }
    if (this.channel !== null) {
      this.channel.close();
      this.channel = null;
    }
    this.name = null;
  }

  withdrawWaiting() {
    if (this.waitingRequest !== null) {
      this.waitingRequest.abort();
      this.waitingRequest = null;
    }
  }

  request(options) {
    this.withdrawWaiting();
    const waiting = !options.ifAvailable && !options.steal;
    const abort = waiting ? new AbortController() : null;
    if (abort !== null) {
      this.waitingRequest = abort;
    }
    const name = this.name;
    let held = false;
    let granted;
    try {
      granted = globalThis.navigator.locks.request(
        name,
        { mode: 'exclusive', ...options, ...(abort !== null ? { signal: abort.signal } : {}) },
        (lock) => {
          if (lock === null) {
            // Another page holds it: say so, then wait in line.
            this.report('waiting');
            if (this.name === name) {
              this.request({});
            }
            return undefined;
          }
          held = true;
          if (this.waitingRequest === abort) {
            this.waitingRequest = null;
          }
          this.report('held');
          // Held until this page dies, close() releases it, or another page steals it.
          return new Promise((resolve) => {
            this.releaseHeld = resolve;
          });
        },
      );
    } catch (e) {
      this.report('unavailable', describe(e));
      return;
    }
    granted.then(
      () => {},
      (e) => {
        if (held) {
          this.releaseHeld = null;
          this.report('lost', describe(e));
        } else if (abort !== null && abort.signal.aborted) {
          // This page withdrew the request itself (a take-over replaced it, or close()).
        } else {
          this.report('unavailable', describe(e));
        }
      },
    );
  }
}

/** `{agentArn, username}` from a Streams agent, without letting a throwing getter escape. */
export function agentIdentity(agent) {
  try {
    const configuration = agent.getConfiguration();
    const text = (v) => (typeof v === 'string' ? v : null);
    return { agentArn: text(configuration && configuration.agentARN), username: text(configuration && configuration.username) };
  } catch (e) {
    return { agentArn: null, username: null };
  }
}

function describe(e) {
  if (e && typeof e === 'object' && 'message' in e) {
    return `${e.name || 'Error'}: ${e.message}`;
  }
  return String(e);
}
