// @jsxRuntime automatic
// @jsxImportSource react
import test from 'ava';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { createStore, useStore, type Store } from '../../src/ui/store.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

test('createStore: getSnapshot, setState with a value or an updater, subscribe/unsubscribe', (t) => {
  const store = createStore({ n: 1 });
  const seen: number[] = [];
  const unsubscribe = store.subscribe(() => seen.push(store.getSnapshot().n));
  store.setState({ n: 2 });
  store.setState((s) => ({ n: s.n + 1 }));
  const same = store.getSnapshot();
  store.setState(same);
  store.setState((s) => s);
  unsubscribe();
  store.setState({ n: 10 });
  t.deepEqual(seen, [2, 3], 'no notification for an unchanged state or after unsubscribing');
  t.is(store.getSnapshot().n, 10);
});

test('a listener may unsubscribe while being notified', (t) => {
  const store = createStore(0);
  let calls = 0;
  const off = store.subscribe(() => {
    calls++;
    off();
  });
  store.subscribe(() => calls++);
  store.setState(1);
  store.setState(2);
  t.is(calls, 3);
});

function Counter({ store }: { store: Store<{ n: number; label: string }> }) {
  const n = useStore(store, (s) => s.n);
  const all = useStore(store);
  return <Text>{`${all.label}=${n}`}</Text>;
}

test('useStore re-renders on each published state', async (t) => {
  const store = createStore({ n: 1, label: 'n' });
  const { lastFrame, unmount } = render(<Counter store={store} />);
  t.is(lastFrame(), 'n=1');
  store.setState({ n: 2, label: 'count' });
  await tick();
  t.is(lastFrame(), 'count=2');
  unmount();
});
