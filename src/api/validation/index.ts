// Upstream's validation primitives and messages, for the API server's resources and for any
// component that checks names, labels, ports or addresses (node agent, controllers).

export * from './strings.js';
export * from './ip.js';
export * from './ports.js';
export * from './meta.js';
export * from './selectors.js';
export * from './fieldpath.js';
export * from './values.js';
