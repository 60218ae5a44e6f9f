// Modules inside undici that undici-dispatchers.ts loads directly; their types are the package's own.
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: typeof import('undici').Agent;
  export default Agent;
}

declare module 'undici/lib/api/index.js' {
  const api: { request: import('undici').Dispatcher['request'] };
  export default api;
}

declare module 'undici/lib/core/connect.js' {
  const buildConnector: typeof import('undici').buildConnector;
  export default buildConnector;
}
