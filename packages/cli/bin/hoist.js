#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly. V8 later recompiles its hot functions
// in the background, and Node waits for that work before it exits: 60-70 ms at the end of every
// push, for a parser that reads a few small responses. Baseline code is plenty for it.
setFlagsFromString('--liftoff-only');

const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2));
