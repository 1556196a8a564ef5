/**
 * Preloaded (`node -r ./bench/preload/cold-start-marks.js Backend/dist/main.js`) by bench/cold-start.js
 * in its profiling runs: where the API's start-up time goes, without changing the app.
 *  - require time: every module load timed, the self time (children excluded) summed per
 *    package (`node_modules/<name>`) or `app` (Backend/dist), plus the module count;
 *  - marks (ms since the process started, `performance.now()`): this preload running, the
 *    first app module, NestFactory.create, the OpenAPI document, app.init, listen, each
 *    PostgreSQL connection (pg.Client#connect) and the first query that answers.
 * Written as JSON to $BENCH_MARKS_FILE when the process exits.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const marks = [['preload', performance.now()]];
const mark = (name) => marks.push([name, performance.now()]);
const selfByGroup = new Map();
let modules = 0;
const stack = [];

const groupOf = (filename) => {
  const i = filename.lastIndexOf('/node_modules/');
  if (i >= 0) {
    const [scope, name] = filename.slice(i + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  return filename.includes('/Backend/dist/') ? 'app (Backend/dist)' : 'other';
};

const wrapAsync = (obj, key, name) => {
  const original = obj?.[key];
  if (typeof original !== 'function' || original.__benchWrapped) return;
  obj[key] = function wrapped(...args) {
    mark(`${name} start`);
    const out = original.apply(this, args);
    Promise.resolve(out).then(
      () => mark(`${name} end`),
      () => mark(`${name} failed`),
    );
    return out;
  };
  obj[key].__benchWrapped = true;
};

const wrapSync = (obj, key, name) => {
  const original = obj?.[key];
  if (typeof original !== 'function' || original.__benchWrapped) return;
  obj[key] = function wrapped(...args) {
    mark(`${name} start`);
    try {
      return original.apply(this, args);
    } finally {
      mark(`${name} end`);
    }
  };
  obj[key].__benchWrapped = true;
};

let firstAppModule = false;
let connects = 0;
const patched = new Set();
function patch(request, exports) {
  if (patched.has(request)) return;
  if (request === '@nestjs/core' && exports?.NestFactory) {
    patched.add(request);
    wrapAsync(exports.NestFactory, 'create', 'NestFactory.create');
    wrapAsync(exports.NestFactory, 'createApplicationContext', 'NestFactory.createApplicationContext');
    const proto = exports.NestApplication?.prototype;
    wrapAsync(proto, 'init', 'app.init');
    wrapAsync(proto, 'listen', 'app.listen');
  }
  if (request === '@nestjs/swagger' && exports?.SwaggerModule) {
    patched.add(request);
    wrapSync(exports.SwaggerModule, 'createDocument', 'OpenAPI document');
  }
  if (request === 'pg' && exports?.Client) {
    patched.add(request);
    const proto = exports.Client.prototype;
    const connect = proto.connect;
    proto.connect = function benchConnect(...args) {
      const n = ++connects;
      mark(`pg connect #${n} start`);
      const out = connect.apply(this, args);
      if (out && typeof out.then === 'function') out.then(() => mark(`pg connect #${n} end`), () => mark(`pg connect #${n} failed`));
      return out;
    };
    let firstQuery = false;
    const query = proto.query;
    proto.query = function benchQuery(...args) {
      const out = query.apply(this, args);
      if (!firstQuery && out && typeof out.then === 'function') {
        firstQuery = true;
        mark('first pg query sent');
        out.then(() => mark('first pg query answered'), () => undefined);
      }
      return out;
    };
  }
}

const load = Module._load;
Module._load = function benchLoad(request, parent, isMain) {
  const filename = (() => {
    try {
      return Module._resolveFilename(request, parent, isMain);
    } catch {
      return undefined;
    }
  })();
  const cached = filename && Module._cache[filename];
  if (cached || !filename || !filename.startsWith('/')) {
    const out = load.apply(this, arguments);
    patch(request, out);
    return out;
  }
  if (!firstAppModule && filename.includes('/Backend/dist/')) {
    firstAppModule = true;
    mark('first app module');
  }
  modules++;
  const frame = { child: 0 };
  stack.push(frame);
  const start = performance.now();
  try {
    const out = load.apply(this, arguments);
    patch(request, out);
    return out;
  } finally {
    const total = performance.now() - start;
    stack.pop();
    const group = groupOf(filename);
    selfByGroup.set(group, (selfByGroup.get(group) ?? 0) + (total - frame.child));
    if (stack.length > 0) stack[stack.length - 1].child += total;
  }
};

process.on('exit', () => {
  const file = process.env.BENCH_MARKS_FILE;
  if (!file) return;
  fs.writeFileSync(file, JSON.stringify({ marks, modules, requireSelfMs: Object.fromEntries(selfByGroup) }));
});
