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

// No false success: a command whose promise never settles (a socket closed under it, a plugin
// that never answers) leaves nothing for the event loop to wait on, and Node would then exit 0
// as if it had pushed. Only a settled command sets the exit code; a loop that drains (or a
// process.exit) with the command pending is an internal failure, exit 1, said in one line.
const { writeSync } = require('node:fs');

const argv = process.argv.slice(2);
let settled = false;
import('../dist/main.js')
  .then(({ main }) => main(argv))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      writeSync(2, `hoist: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => {
    settled = true;
  });

process.on('exit', (code) => {
  if (settled || code !== 0) return;
  const command = /^[a-z]+$/.test(argv[0] || '') ? `hoist ${argv[0]}` : 'hoist';
  // Synchronous: nothing asynchronous runs once 'exit' is emitted.
  writeSync(2, `hoist: internal error: ${command} did not finish: it was still waiting on something that can no longer answer (a connection closed under it, a plugin that never returns), so its work is not done\n`);
  process.exitCode = 1;
});
