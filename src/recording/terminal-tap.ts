import type { SessionRecorder } from './recorder.js';

type Write = NodeJS.WriteStream['write'];

/**
 * Taps this process's terminal for a recorder: everything written to stdout (whoever writes it:
 * Ink, an attached shell, a message), its resizes, and what is typed when the recording takes
 * input. Returns the way to untap.
 */
export function tapTerminal(recorder: SessionRecorder, stdout: NodeJS.WriteStream = process.stdout, stdin: NodeJS.ReadStream = process.stdin): () => void {
  const original = stdout.write;
  const tapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) recorder.output(chunk);
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Write;
  stdout.write = tapped;
  const onResize = () => recorder.resize(stdout.columns, stdout.rows);
  const onInput = (data: string | Buffer) => recorder.input(data);
  stdout.on('resize', onResize);
  if (recorder.recordsInput) stdin.on('data', onInput);
  return () => {
    if (stdout.write === tapped) stdout.write = original;
    stdout.off('resize', onResize);
    stdin.off('data', onInput);
  };
}
