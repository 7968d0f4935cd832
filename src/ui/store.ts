import { useCallback, useSyncExternalStore } from 'react';

/**
 * A minimal external store for React's useSyncExternalStore. State lives outside React, so the
 * app can unmount Ink (to hand the terminal to a shell) and mount it again without losing it.
 */
export interface Store<T> {
  getSnapshot(): T;
  subscribe(listener: () => void): () => void;
  /** Replace the state, or derive it from the previous one. Listeners run only on a change. */
  setState(next: T | ((previous: T) => T)): void;
}

export function createStore<T>(initial: T): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getSnapshot: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    setState(next) {
      const value = typeof next === 'function' ? (next as (previous: T) => T)(state) : next;
      if (Object.is(value, state)) return;
      state = value;
      for (const listener of [...listeners]) listener();
    },
  };
}

/**
 * Read a store from a component. A selector must return a stable value for an unchanged state
 * (a field, not a freshly built object), or React re-renders forever.
 */
export function useStore<T>(store: Store<T>): T;
export function useStore<T, S>(store: Store<T>, selector: (state: T) => S): S;
export function useStore<T, S>(store: Store<T>, selector?: (state: T) => S): T | S {
  const get = useCallback(
    () => (selector ? selector(store.getSnapshot()) : store.getSnapshot()),
    [store, selector],
  );
  return useSyncExternalStore(store.subscribe, get, get);
}
