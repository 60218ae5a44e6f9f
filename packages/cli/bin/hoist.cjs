#!/usr/bin/env node
'use strict';
// The `hoist` command. CommonJS, on purpose: libuv's thread pool, where gzip blocks are deflated
// and files read, is sized once, from UV_THREADPOOL_SIZE, when it first starts, and loading an
// ES module starts it (the loader reads files through it). Here nothing has touched it yet, so
// the pool can be sized to the agent's cores before the CLI is loaded.
const { availableParallelism } = require('node:os');
const { setFlagsFromString } = require('node:v8');

if (!process.env.UV_THREADPOOL_SIZE) {
  // HOIST_THREADS lowers (or raises) it; libuv's own default is 4, whatever the machine.
  const wanted = Number(process.env.HOIST_THREADS) || Math.max(4, availableParallelism());
  process.env.UV_THREADPOOL_SIZE = String(Math.min(Math.max(wanted, 1), 1024));
}

// undici parses HTTP with llhttp compiled to WebAssembly. V8 later recompiles its hot functions
// in the background, and Node waits for that work before it exits: 60-70 ms at the end of every
// push, for a parser that reads a few small responses. Baseline code is plenty for it.
setFlagsFromString('--liftoff-only');

import('../dist/main.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv.slice(2));
});
