/** What a contract suite gets from a backend: a fresh, empty store per test. */
export interface StoreHandle<Store> {
  store: Store;
  /**
   * A second handle on the SAME data (another connection or client), standing in for a second
   * node or process. Backends without one (memory, `:memory:`) leave it out and the suite uses
   * `store` again.
   */
  peer?: Store;
  /** Closes what the factory opened and removes what it created. */
  cleanup(): Promise<void>;
}

export type StoreFactory<Store> = () => Promise<StoreHandle<Store>>;

/** Runs `body` with a fresh store and always cleans up, also when an expectation fails. */
export async function withStore<Store, T>(factory: StoreFactory<Store>, body: (store: Store, peer: Store) => Promise<T>): Promise<T> {
  const handle = await factory();
  try {
    return await body(handle.store, handle.peer ?? handle.store);
  } finally {
    await handle.cleanup();
  }
}
