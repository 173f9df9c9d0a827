/** Page state from URL parameters, so tests and links can open the app in a known state. */
import { BACKENDS, isBackendName, type BackendName } from '../gpu/names';

export type Tab = 'sample' | 'inpaint' | 'finetune' | 'compress' | 'rfield';

export interface UrlParams {
  model: string | null;
  seed: number | null;
  count: number | null;
  temperature: number | null;
  /** `?backend=`: forces one backend. */
  backend: BackendName | null;
  /** The message for a `?backend=` value that names no backend (shown on the page). */
  backendProblem: string | null;
  /** `?recalibrate=1`: forget cached calibrations and measure again. */
  recalibrate: boolean;
  tab: Tab | null;
  /** Start sampling as soon as the model is loaded (default on). */
  autostart: boolean;
}

export function parseUrl(search: string): UrlParams {
  const q = new URLSearchParams(search);
  const num = (k: string): number | null => {
    const v = q.get(k);
    if (v === null || v.trim() === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const tab = q.get('tab');
  const backend = q.get('backend');
  return {
    model: q.get('model'),
    seed: num('seed'),
    count: num('count'),
    temperature: num('temperature'),
    backend: isBackendName(backend) ? backend : null,
    backendProblem:
      backend !== null && !isBackendName(backend)
        ? `Unknown backend "${backend}" in ?backend=: use ${BACKENDS.join(', ')}. The backend was chosen by measurement instead.`
        : null,
    recalibrate: q.get('recalibrate') === '1',
    tab: tab === 'sample' || tab === 'inpaint' || tab === 'finetune' || tab === 'compress' || tab === 'rfield' ? tab : null,
    autostart: q.get('autostart') !== '0',
  };
}
