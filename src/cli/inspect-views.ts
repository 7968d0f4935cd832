import { UsageError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { anatomyText, traceLines } from '../ui/anatomy-text.js';

export interface InspectOptions {
  anatomy?: boolean;
  trace?: boolean;
  json?: boolean;
}

/** What `ctr-tui inspect` prints: the record (JSON), its anatomy, or its birth trace. */
export function inspectOutput(runtime: Runtime, name: string, options: InspectOptions): string {
  if (options.anatomy && options.trace) throw new UsageError('give --anatomy or --trace, not both');
  if (options.json && !options.anatomy && !options.trace) throw new UsageError('--json goes with --anatomy or --trace (inspect alone prints JSON)');
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  if (options.anatomy) {
    const anatomy = runtime.anatomy(name);
    return options.json ? json(anatomy) : anatomyText(anatomy);
  }
  if (options.trace) {
    const trace = runtime.get(name).trace ?? null;
    if (options.json) return json(trace);
    return `Birth of ${name}${trace ? `, ${trace.steps.length} steps` : ''}\n${traceLines(trace).join('\n')}\n`;
  }
  return json(runtime.get(name));
}
