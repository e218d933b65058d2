// Why this file exists: the workbench's one local server. It serves the Dynamics stand-in host page
// on one loopback name and the built channel provider page from `dist/` on the *other* loopback name, so the
// provider page is cross-origin to "Dynamics" and to the fake CCP exactly as in production. No dependencies.
//
//   node www/workbench/server.mjs [--host localhost] [--port 8080] [--dist dist] [--csp strict]
//
// Routes (any origin; the host page decides which origin it uses for what):
//   /                                         host page (Dynamics stand-in)           www/workbench/index.html
//   /workbench/…                              the workbench's own assets              www/workbench/…
//   /templates.json                           the templates the host page knows       deploy/templates.json
//   /ccp-v2/                                  the fake CCP page                       www/workbench/ccp/index.html
//   /webresources/Widget/msdyn_ciLibrary.js   the CIF library double                  www/workbench/cif/msdyn_ciLibrary.js
//   /provider/…                               the built channel provider page         <dist>/…
//   /provider-csp/…                           same files, always with the strict CSP (per-request switch for tests)
//   /provider-fault/<fault>/…                 same files; the HTML gets /workbench/faults/provider-fault.js injected
//                                             first (fault: storage | popup), to show those failures by hand
//   /ccp-v2/?…&wbFrameAncestors=self          the fake CCP page sent with `Content-Security-Policy: frame-ancestors
//                                             'self'`: the provider page (the other loopback name) may not frame it
//   /workbench/config.json                    origins, port, CSP mode (read by the host page)
//   POST /workbench/csp-report, GET /workbench/csp-reports   CSP violation reports of the provider page

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.woff2': 'font/woff2',
};

/** The other loopback name: the provider page must be cross-site to the host page and the CCP. */
export function otherLoopback(host) {
  if (host === 'localhost') return '127.0.0.1';
  if (host === '127.0.0.1') return 'localhost';
  return host === '[::1]' ? 'localhost' : '127.0.0.1';
}

/**
 * The provider page's Content-Security-Policy. `hostOrigin` is where Dynamics (the CIF library) and the CCP live.
 * - script-src: own bundle + 'wasm-unsafe-eval' (WebAssembly.instantiate) + the CIF library origin.
 * - frame-src: the CCP origin.  connect-src 'self': the optional config.json beside the page.
 * - style-src 'self': no inline <style>/style attributes (CSSOM from JS, e.g. iframe.style, is still allowed).
 * - img-src data: for inline icons.  report-uri: violations are collected by the workbench server.
 */
export function providerCsp(hostOrigin) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hostOrigin}`,
    "connect-src 'self'",
    `frame-src ${hostOrigin}`,
    "style-src 'self'",
    "img-src 'self' data:",
    'report-uri /workbench/csp-report',
  ].join('; ');
}

/** The host page's own CSP: no inline script anywhere in the workbench. */
function hostCsp(providerOrigin) {
  return ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    `frame-src 'self' ${providerOrigin}`, "connect-src 'self'"].join('; ');
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

function safeJoin(root, rel) {
  const p = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  return p === root || p.startsWith(root + path.sep) ? p : null;
}

/** Faults the provider page can be served with (see /provider-fault/ and www/workbench/faults/provider-fault.js). */
export const PROVIDER_FAULTS = ['storage', 'popup'];

/** The provider page's HTML with the fault script first in <head> (a classic script: it runs before the bundle). */
export function injectProviderFault(html, fault) {
  const tag = `<script src="/workbench/faults/provider-fault.js" data-fault="${fault}"></script>`;
  const at = html.search(/<script|<\/head>/i);
  return at < 0 ? tag + html : html.slice(0, at) + tag + html.slice(at);
}

function serveFile(req, res, root, rel, extraHeaders = {}, transformHtml = null) {
  let file = safeJoin(root, decodeURIComponent(rel));
  if (!file) return send(res, 403, 'forbidden', { 'Content-Type': 'text/plain' });
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) {
      if (!req.url.split('?')[0].endsWith('/')) {
        const u = new URL(req.url, 'http://x');
        return send(res, 301, '', { Location: u.pathname + '/' + u.search });
      }
      file = path.join(file, 'index.html');
    }
    fs.readFile(file, (err2, buf) => {
      if (err2) return send(res, 404, `not found: ${rel}`, { 'Content-Type': 'text/plain; charset=utf-8' });
      const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
      const headers = { 'Content-Type': type, ...extraHeaders };
      const html = type.startsWith('text/html');
      if (!html) delete headers['Content-Security-Policy'];
      if (req.method === 'HEAD') return send(res, 200, '', headers);
      send(res, 200, html && transformHtml ? transformHtml(buf.toString('utf8')) : buf, headers);
    });
  });
}

/**
 * Starts the workbench server.
 * @param {{host?: string, port?: number, dist?: string, csp?: 'strict'|'off'|string, quiet?: boolean}} opts
 * @returns {Promise<{url: string, providerOrigin: string, port: number, cspReports: object[], close(): Promise<void>}>}
 */
export async function startWorkbench({ host = 'localhost', port = 8080, dist = 'dist', csp = 'off' } = {}) {
  const distRoot = path.resolve(REPO, dist);
  const cspReports = [];
  const sockets = new Set();

  const handler = (req, res) => {
    const u = new URL(req.url, 'http://placeholder');
    const p = u.pathname;
    const reqHost = (req.headers.host || `${host}:${port}`).replace(/:\d+$/, '');
    const actualPort = server.address().port;
    const hostOrigin = `http://${host}:${actualPort}`;
    const providerOrigin = `http://${otherLoopback(host)}:${actualPort}`;

    if (req.method === 'POST' && p === '/workbench/csp-report') {
      let body = '';
      req.on('data', (c) => { if (body.length < 65536) body += c; });
      req.on('end', () => {
        try { cspReports.push(JSON.parse(body)); } catch { cspReports.push({ raw: body }); }
        if (cspReports.length > 500) cspReports.shift();
        send(res, 204, '');
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');

    if (p === '/' || p === '/index.html') {
      return serveFile(req, res, HERE, 'index.html', { 'Content-Security-Policy': hostCsp(providerOrigin) });
    }
    if (p === '/favicon.ico') return send(res, 204, '');
    if (p === '/templates.json') return serveFile(req, res, path.join(REPO, 'deploy'), 'templates.json');
    if (p === '/workbench/config.json') {
      return send(res, 200, JSON.stringify({ hostOrigin, providerOrigin, port: actualPort, csp, requestHost: reqHost }),
        { 'Content-Type': MIME['.json'] });
    }
    if (p === '/workbench/csp-reports') {
      return send(res, 200, JSON.stringify(cspReports), { 'Content-Type': MIME['.json'] });
    }
    if (p.startsWith('/workbench/')) return serveFile(req, res, HERE, p.slice('/workbench/'.length));
    if (p === '/ccp-v2' || p.startsWith('/ccp-v2/')) {
      const rest = p.slice('/ccp-v2/'.length);
      // A real instance sends frame-ancestors with its approved origins; 'self' approves none of the provider's.
      const refuse = u.searchParams.get('wbFrameAncestors') === 'self' ? { 'Content-Security-Policy': "frame-ancestors 'self'" } : {};
      return serveFile(req, res, path.join(HERE, 'ccp'), rest === '' ? 'index.html' : rest, refuse);
    }
    if (p === '/webresources/Widget/msdyn_ciLibrary.js') {
      return serveFile(req, res, path.join(HERE, 'cif'), 'msdyn_ciLibrary.js');
    }
    const faulty = /^\/provider-fault\/([a-z]+)\//.exec(p);
    if (faulty && !PROVIDER_FAULTS.includes(faulty[1])) {
      return send(res, 404, `unknown provider fault: ${faulty[1]} (known: ${PROVIDER_FAULTS.join(', ')})`, { 'Content-Type': 'text/plain; charset=utf-8' });
    }
    const routes = [['/provider/', csp === 'strict', null], ['/provider-csp/', true, null]];
    if (faulty) routes.push([faulty[0], csp === 'strict', (html) => injectProviderFault(html, faulty[1])]);
    for (const [prefix, strict, transform] of routes) {
      if (p === prefix.slice(0, -1)) return send(res, 301, '', { Location: prefix + u.search });
      if (p.startsWith(prefix)) {
        if (!fs.existsSync(path.join(distRoot, 'index.html'))) {
          return send(res, 404, `The channel provider page is not built: ${path.join(distRoot, 'index.html')} is missing. Run \`npm run build\` first.`,
            { 'Content-Type': 'text/plain; charset=utf-8' });
        }
        const headers = strict ? { 'Content-Security-Policy': providerCsp(hostOrigin) } : {};
        const rest = p.slice(prefix.length);
        return serveFile(req, res, distRoot, rest === '' ? 'index.html' : rest, headers, transform);
      }
    }
    send(res, 404, `not found: ${p}`, { 'Content-Type': 'text/plain; charset=utf-8' });
  };

  const server = http.createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  // Bind loopback only. `localhost` may resolve to ::1 in the browser, so also listen there when possible.
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const actualPort = server.address().port;
  const server6 = http.createServer(handler);
  server6.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const has6 = await new Promise((resolve) => {
    server6.once('error', () => resolve(false));
    server6.listen(actualPort, '::1', () => resolve(true));
  });
  // the ::1 server must report the same port to its handler
  server6.address = () => ({ port: actualPort });

  const url = `http://${host}:${actualPort}/`;
  return {
    url,
    port: actualPort,
    hostOrigin: `http://${host}:${actualPort}`,
    providerOrigin: `http://${otherLoopback(host)}:${actualPort}`,
    cspReports,
    close() {
      for (const s of sockets) s.destroy();
      const closeOne = (srv) => new Promise((r) => srv.close(() => r()));
      return Promise.all([closeOne(server), has6 ? closeOne(server6) : null]).then(() => undefined);
    },
  };
}

function parseArgs(argv) {
  const out = { host: 'localhost', port: 8080, dist: 'dist', csp: 'off' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.startsWith('--') ? a.slice(2).split('=', 2) : [null];
    if (!k || !(k in out)) { console.error(`unknown argument: ${a}`); process.exit(2); }
    const v = inline ?? argv[++i];
    out[k] = k === 'port' ? Number(v) : v;
  }
  if (!['localhost', '127.0.0.1'].includes(out.host)) {
    console.error('--host must be localhost or 127.0.0.1 (the provider page is served from the other loopback name)');
    process.exit(2);
  }
  if (!['strict', 'off'].includes(out.csp)) { console.error('--csp must be strict or off'); process.exit(2); }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  const opts = parseArgs(process.argv.slice(2));
  const wb = await startWorkbench(opts);
  console.log(`Workbench: ${wb.url}`);
  console.log(`  provider page from ${path.resolve(REPO, opts.dist)} at ${wb.providerOrigin}/provider/ (CSP ${opts.csp})`);
  const stop = (sig) => {
    console.log(`\n${sig}: stopping workbench`);
    wb.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
