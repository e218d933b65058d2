// Page-level doubles: web storage blocked or refusing writes, and Web Locks missing or taken away. In one module
// with the other doubles' few files: the wasm-bindgen test runner's server (tiny_http 0.12) can leave one of
// several module requests made at once unanswered, and the page then never loads.
//
// A browser that blocks web storage for this frame (third-party storage partitioning, locked-down profiles), as
// `window.sessionStorage` then throws on access.

let saved = null;

export function fakeStorageBlock(blocked) {
  if (blocked && !saved) {
    saved = Object.getOwnPropertyDescriptor(window, "sessionStorage");
    Object.defineProperty(window, "sessionStorage", {
      configurable: true,
      get() {
        throw new DOMException("The operation is insecure.", "SecurityError");
      },
    });
  } else if (!blocked && saved) {
    Object.defineProperty(window, "sessionStorage", saved);
    saved = null;
  }
}

// A browser (or frame) without the Web Locks API: `navigator.locks` reads as undefined.
let savedLocks = null;

export function fakeLocksHide(hidden) {
  if (hidden && !savedLocks) {
    savedLocks = { value: navigator.locks };
    Object.defineProperty(navigator, "locks", { configurable: true, get: () => undefined });
  } else if (!hidden && savedLocks) {
    delete navigator.locks;
    savedLocks = null;
  }
}

// Web storage that is there but refuses or records writes: `"refuse"` makes `setItem` throw as a full quota
// does (the frame's `Storage` object stays the same, so a page that keeps it still meets the refusal),
// `"record"` lets writes through and remembers their keys, `"off"` restores the browser's own `setItem`.
let savedSetItem = null;
let writes = [];

export function fakeStorageWrites(mode) {
  if (!savedSetItem) savedSetItem = Storage.prototype.setItem;
  const original = savedSetItem;
  writes = [];
  if (mode === "refuse") {
    Storage.prototype.setItem = function () {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    };
  } else if (mode === "record") {
    Storage.prototype.setItem = function (key, value) {
      writes.push(String(key));
      return original.call(this, key, value);
    };
  } else {
    Storage.prototype.setItem = original;
  }
}

// The keys written since the last call (mode "record"), in order, one per line.
export function fakeStorageWritesTaken() {
  const out = writes.join("\n");
  writes = [];
  return out;
}

// A Web Locks stand-in that grants the first request and can then take the lock away, for another page, with a
// reason `String()` refuses (an object without a prototype), as a polyfill or a wrapped `navigator.locks` may.
// Once taken, a request `ifAvailable` is told no (`null`) and any other waits until withdrawn.
export function fakeLocksTakenAway() {
  const fake = {
    taken: false,
    lose: null,
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        Promise.resolve().then(() => {
          if (!fake.taken && !fake.lose) {
            fake.lose = () => {
              fake.taken = true;
              reject(Object.create(null));
            };
            Promise.resolve(callback({ name, mode: 'exclusive' })).then(resolve, reject);
          } else if (options.ifAvailable) {
            Promise.resolve(callback(null)).then(resolve, reject);
          } else if (options.signal) {
            options.signal.addEventListener('abort', () => reject(new DOMException('withdrawn', 'AbortError')));
          }
        });
      });
    },
  };
  window.__fakeLocks = fake;
  Object.defineProperty(navigator, 'locks', { configurable: true, get: () => fake });
}
export function fakeLocksTakeAway() { window.__fakeLocks.lose(); }
export function fakeLocksRestore() { delete navigator.locks; }
