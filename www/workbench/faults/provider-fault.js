// Why this file exists: browser conditions a person cannot set from the workbench's control panel, made
// real inside the channel provider page so its status-line texts can be seen by hand. The workbench server injects
// this classic script at the top of the provider page's HTML, before the bundle, ONLY when the page is served
// under /provider-fault/<fault>/ (the host page's "Provider fault" control, or ?wbProviderFault=<fault>). dist/
// never contains it, and the product never loads it on its own.
//
//   storage  the browser blocks storage for this cross-site frame (incognito, strict tracking protection, third-party
//            cookies blocked): reading window.localStorage / window.sessionStorage throws a SecurityError, as
//            Chromium does — Streams' initCCP then throws.
//   popup    the browser's pop-up blocker: window.open gives no window, so Streams' login pop-up never opens
//            (connect.core.loginWindow stays null). Press "Send auth_fail" to make Streams try.
//
// (The third condition, a CCP frame refused by frame-ancestors, is a response header of the CCP, not a script:
// the host page adds wbFrameAncestors=self to ccpUrl and the server sends the header.)
(() => {
  const fault = document.currentScript && document.currentScript.dataset.fault;
  const denied = (name) => () => {
    throw new DOMException(`Failed to read the '${name}' property from 'Window': Access is denied for this document.`, 'SecurityError');
  };
  if (fault === 'storage') {
    for (const name of ['localStorage', 'sessionStorage']) {
      Object.defineProperty(window, name, { configurable: true, get: denied(name) });
    }
  } else if (fault === 'popup') {
    window.open = () => null;
  }
  console.warn(`workbench: provider fault "${fault}" injected (served under /provider-fault/${fault}/)`);
})();
