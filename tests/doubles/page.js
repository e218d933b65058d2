// Page-level doubles: a browser that blocks web storage for this frame (third-party storage partitioning,
// locked-down profiles), as `window.sessionStorage` then throws on access.

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
