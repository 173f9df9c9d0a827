/**
 * Questions the page must ask before it replaces something the person has (a saved model of the same
 * name): shown by components/ConfirmDialog.tsx, answered with one of the offered choices. One at a time: a
 * new question answers an open one with its safe (last) choice.
 */
import type { Confirmation } from '../state';
import { getState, setState } from '../store';

let pending: ((id: string) => void) | null = null;

export function ask(message: string, choices: Confirmation['choices']): Promise<string> {
  const open = getState().confirm;
  if (open && pending) answer(open.choices.at(-1)!.id);
  setState({ confirm: { message, choices } });
  return new Promise((resolve) => (pending = resolve));
}

export function answer(id: string): void {
  const resolve = pending;
  pending = null;
  setState({ confirm: null });
  resolve?.(id);
}
