import { hoistVitestConfig } from '../../vitest.shared.js';

export default hoistVitestConfig(import.meta.dirname);
