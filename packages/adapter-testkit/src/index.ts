export { describeAdapterConformance } from './conformance/describe.js';
export { lookAlikes } from './conformance/hosts.js';
export type { ConformanceSetup, EndToEnd } from './conformance/setup.js';
export { memoryImage } from './memory-image.js';
