/** The single zustand store, its hook, and a helper to update one slice. */
import { create } from 'zustand';
import { initialState, type AppState } from './state';

export const useApp = create<AppState>()(() => initialState);

export const getState = useApp.getState;
export const setState = useApp.setState;

/** Shallow-merges `patch` into one slice of the state. */
export function patch<K extends keyof AppState>(key: K, value: Partial<AppState[K]>): void {
  setState((s) => ({ [key]: { ...(s[key] as object), ...(value as object) } }) as Partial<AppState>);
}
