import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers.js';

// Layouts, archives and homes made by a test file go when it ends: a CI machine that runs the
// suite many times must not fill its /tmp (each run writes about 130 MiB).
afterAll(removeTempDirs);
