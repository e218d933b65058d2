// Why this file exists: the host page's end of the line to the fake CCP frame (ccp/fake-ccp.js). The fake CCP
// is nested inside the cross-site provider page, so it posts to window.top (this page, same origin) and we
// answer on the WindowProxy it wrote from. A BroadcastChannel would not reach it: Chromium partitions a
// third-party frame's storage (and BroadcastChannel) by its top-level site and ancestor chain.

export class CcpLink {
  /** @param {{run:string, origin:string, onRequest:(r)=>void, onState:(s)=>void, onHello:()=>void, onError:(e)=>void}} opts */
  constructor(opts) {
    this.opts = opts;
    this.win = null;
    this.nextId = 1;
    this.waiting = new Map();
    this.state = { agentState: null, contacts: [] };
    this.helloCount = 0;
    this.stateCount = 0;
    this.readyWaiters = [];
  }

  /** Handle a window message; returns true if it was ours. */
  accept(e) {
    const m = e.data;
    if (e.origin !== this.opts.origin || !m || m.wb !== 'ccp' || m.run !== this.opts.run) return false;
    if (m.type === 'hello') {
      this.win = e.source;
      this.helloCount += 1;
      this.opts.onHello && this.opts.onHello(m);
    } else if (m.type === 'reply') {
      const w = this.waiting.get(m.id);
      if (w) { this.waiting.delete(m.id); clearTimeout(w.timer); m.ok ? w.resolve(m.value) : w.reject(new Error(m.error)); }
    } else if (m.type === 'request') {
      this.opts.onRequest(m);
    } else if (m.type === 'state') {
      this.win = e.source;
      this.state = { agentState: m.agentState, contacts: m.contacts, holdSnapshots: m.holdSnapshots, faults: m.faults };
      this.stateCount += 1;
      this.opts.onState(this.state);
      for (const r of this.readyWaiters.splice(0)) r();
    } else if (m.type === 'error') {
      this.opts.onError && this.opts.onError(m);
    }
    return true;
  }

  /** Resolves once the fake CCP has pushed a snapshot (i.e. Streams is talking to it). */
  ready() {
    return this.stateCount ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  command(cmd, args = {}, timeoutMs = 5000) {
    if (!this.win) return Promise.reject(new Error('the fake CCP has not loaded (is the provider page running Streams?)'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`fake CCP did not answer ${cmd}`)); }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      try {
        this.win.postMessage({ wb: 'host', type: 'command', id, cmd, args }, this.opts.origin);
      } catch (err) { clearTimeout(timer); this.waiting.delete(id); reject(err); }
    });
  }
}
