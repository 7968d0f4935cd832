// @jsxRuntime automatic
// @jsxImportSource react
import test from 'ava';
import { useState } from 'react';
import { Box, Text, Transform } from 'ink';
import { frameSignature, markStateful } from '../../src/ui/frame-signature.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { initialUiState } from '../../src/ui/ui-state.js';
import { NOW, state } from './_fixtures.js';

function Row({ label, value }: { label: string; value: number }) {
  return (
    <Text>
      {label} <Text color={value > 50 ? 'red' : 'green'}>{`${Math.round(value)}%`}</Text>
    </Text>
  );
}

test('frameSignature: the same drawing, whatever the data behind it, has the same signature', (t) => {
  const a = frameSignature(<Box flexDirection="column"><Row label="cpu" value={12.2} /></Box>);
  const b = frameSignature(<Box flexDirection="column"><Row label="cpu" value={11.9} /></Box>);
  t.is(typeof a, 'string');
  t.is(a, b, '12.2 and 11.9 both draw "12%"');
});

test('frameSignature: text, colours and layout props all count', (t) => {
  const base = frameSignature(<Box width={10}><Row label="cpu" value={12} /></Box>);
  t.not(frameSignature(<Box width={10}><Row label="cpu" value={13} /></Box>), base, 'text');
  t.not(frameSignature(<Box width={10}><Row label="cpu" value={60} /></Box>), frameSignature(<Box width={10}><Row label="cpu" value={40} /></Box>), 'colour');
  t.not(frameSignature(<Box width={11}><Row label="cpu" value={12} /></Box>), base, 'layout');
  t.not(frameSignature(<Box width={10}><Text>a</Text><Text>b</Text></Box>), frameSignature(<Box width={10}><Text>ab</Text></Box>), 'node boundaries');
});

test('frameSignature: no signature for trees it cannot evaluate', (t) => {
  function Stateful() {
    const [n] = useState(1);
    return <Text>{n}</Text>;
  }
  markStateful(Stateful);
  t.is(frameSignature(<Box><Stateful /></Box>), null, 'a component marked stateful');
  t.is(frameSignature(<Transform transform={(s: string) => s.toUpperCase()}><Text>x</Text></Transform>), null, 'a primitive it does not know');
});

test('frameSignature: the whole dashboard has one, which follows what it shows', (t) => {
  const draw = (now: number, cpu: number) =>
    frameSignature(<Dashboard state={{ ...state, host: state.host && { ...state.host, cpuPercent: cpu } }} ui={initialUiState} size={{ columns: 120, rows: 40 }} now={now} />);
  const first = draw(NOW, 23);
  t.is(typeof first, 'string');
  t.is(draw(NOW + 100, 23), first, 'a tenth of a second later, the same screen');
  t.not(draw(NOW, 24), first, 'the host CPU moved');
  t.not(draw(NOW + 60_000, 23), first, 'a minute later: the clock');
  t.is(
    frameSignature(<Dashboard state={state} ui={{ ...initialUiState, overlay: { kind: 'new', error: null, busy: false } }} size={{ columns: 120, rows: 40 }} now={NOW} />),
    null,
    'the form keeps its own state',
  );
});
