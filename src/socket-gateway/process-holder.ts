/**
 * The one process-global holder of the library: every piece of state the whole process shares
 * lives in ONE object on `globalThis`, under `Symbol.for('socket-gateway')`, one named slot each.
 *
 * Why globalThis at all: a custom server (server.ts) and the code Next bundles (route handlers,
 * tRPC procedures) each get their OWN copy of every module, so a module-level variable set by one
 * copy is invisible to the other. `globalThis` is shared by both, and `Symbol.for` returns the same
 * symbol in every copy. Why one object: one key to look for when debugging, and a new slot is a
 * name added below, not another symbol on `globalThis`.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */

/** The slots, each owned (set and read) by one module. */
export type ProcessSlotName =
  /** registry.ts: the running gateway's parts (getGatewayRuntime). */
  | 'runtime'
  /** metrics.ts: the prom-client metrics. */
  | 'metrics'
  /** metrics-sampler.ts: the running dashboard sampler. */
  | 'metricsSampler'
  /** request-context.ts: the AsyncLocalStorage of the tRPC request being served. */
  | 'requestContext'
  /** redis-command-metrics.ts: whether node-redis's commands are already being counted. */
  | 'redisCommandsObserved';

export interface ProcessSlot<T> {
  get(): T | undefined;
  /** The slot's value, created by `create` on first use (by whichever module copy asks first). */
  getOrCreate(create: () => T): T;
  set(value: T): void;
  /** Empties the slot. */
  clear(): void;
  /** Empties the slot if it still holds `value` (a later one may have replaced it). */
  clearIf(value: T): void;
}

/**
 * A holder of named slots on `globalThis` under `Symbol.for(key)`: the library's own is
 * `processSlot` below; an app with the same problem (state server.ts and Next's bundles must
 * share) makes its own under its own key (exported from `socket-gateway/advanced`).
 */
export function createProcessHolder<Name extends string>(key: string): <T>(name: Name) => ProcessSlot<T> {
  const symbol = Symbol.for(key);
  const holder = (): Partial<Record<Name, unknown>> => {
    const global = globalThis as { [symbol]?: Partial<Record<Name, unknown>> };
    return (global[symbol] ??= {});
  };
  return <T>(name: Name): ProcessSlot<T> => ({
    get: () => holder()[name] as T | undefined,
    getOrCreate: (create) => (holder()[name] ??= create()) as T,
    set(value) {
      holder()[name] = value;
    },
    clear() {
      delete holder()[name];
    },
    clearIf(value) {
      const slots = holder();
      if (slots[name] === value) delete slots[name];
    },
  });
}

/**
 * One slot of the library's holder. `T` is the slot owner's type: the holder cannot check it across module
 * copies (two builds of the library in one process share the slot), so only the owner module asks.
 */
export const processSlot = createProcessHolder<ProcessSlotName>('socket-gateway');
