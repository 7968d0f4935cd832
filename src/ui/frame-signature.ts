import { Fragment, isValidElement, type ReactNode } from 'react';
import * as ink from 'ink';
import { Box, Newline, Spacer, Text } from 'ink';

/**
 * What a tree of pure views draws, as one string: the tree evaluated down to Ink's primitives
 * (Box, Text, Newline, Spacer) with their props and text. Two trees with the same signature draw
 * the same screen, so the dashboard can skip a frame when a new sample changes nothing visible:
 * Ink redraws the whole screen on every React commit, and that redraw is most of its idle CPU.
 *
 * Function components are called as plain functions, which is only right for pure ones. A tree
 * that holds anything else (a component with hooks, a class, Transform's function prop) has no
 * signature: null, and the caller must render it.
 */
export function frameSignature(tree: ReactNode): string | null {
  const out: string[] = [];
  return walk(tree, out) ? out.join('') : null;
}

const PRIMITIVES = new Map<unknown, string>([
  [Box, 'Box'],
  [Text, 'Text'],
  [Newline, 'Newline'],
  [Spacer, 'Spacer'],
]);

/**
 * Components that may not be called as functions (they use hooks): Ink's other components
 * (Transform, Static, ...), and those the views mark.
 */
const STATEFUL = new WeakSet<object>(
  (Object.values(ink) as unknown[]).filter((value): value is object => typeof value === 'function' && !PRIMITIVES.has(value)),
);

/** Mark a component that keeps state: a tree holding it has no signature. */
export function markStateful(component: object): void {
  STATEFUL.add(component);
}

function walk(node: ReactNode, out: string[]): boolean {
  if (node === null || node === undefined || typeof node === 'boolean') return true;
  if (typeof node === 'string' || typeof node === 'number') {
    out.push(JSON.stringify(String(node)));
    return true;
  }
  if (Array.isArray(node)) return node.every((child: ReactNode) => walk(child, out));
  if (!isValidElement(node)) return false;
  const { type } = node;
  const props = node.props as Record<string, unknown> & { children?: ReactNode };
  if (type === Fragment) return walk(props.children, out);
  const primitive = PRIMITIVES.get(type);
  if (primitive !== undefined) {
    out.push('<', primitive);
    for (const key of Object.keys(props)) {
      if (key === 'children') continue;
      const value = props[key];
      if (typeof value === 'function' || (typeof value === 'object' && value !== null)) return false;
      if (value !== undefined) out.push(' ', key, '=', JSON.stringify(value));
    }
    out.push('>');
    if (!walk(props.children, out)) return false;
    out.push('</>');
    return true;
  }
  if (typeof type !== 'function' || STATEFUL.has(type) || isClass(type)) return false;
  return walk((type as (p: unknown) => ReactNode)(props), out);
}

function isClass(type: object): boolean {
  return typeof (type as { prototype?: { isReactComponent?: unknown } }).prototype?.isReactComponent === 'object';
}
