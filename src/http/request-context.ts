import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request being served, carried through every await of its handler so that each log line
 * written on its behalf (by a route, a service, the error handler) names the same request id.
 */
export interface RequestContext {
  readonly requestId: string;
}

const current = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(ctx: RequestContext, fn: () => T): T {
  return current.run(ctx, fn);
}

/** The id of the request being served, if any (undefined in timers and at start-up). */
export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}
