import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { startApp } from './store/actions/app';
import { getState } from './store/store';
import { samplerClient, trainerClient } from './store/workers';
import './styles.css';

/**
 * Test hook: read-back of the state (exact sample pixels for e2e) and fault injection. Harmless in
 * production: it only reads the state and breaks this tab's own workers.
 */
declare global {
  interface Window {
    __pixelrnn?: {
      state: typeof getState;
      crash(worker: 'sampler' | 'trainer'): Promise<void>;
      loseDevice(worker: 'sampler' | 'trainer'): Promise<void>;
    };
  }
}
window.__pixelrnn = {
  state: getState,
  crash: (w) => (w === 'sampler' ? samplerClient().call('debug', { what: 'crash' }) : trainerClient().call('debug', { what: 'crash' })),
  loseDevice: (w) => (w === 'sampler' ? samplerClient().call('debug', { what: 'loseDevice' }) : trainerClient().call('debug', { what: 'loseDevice' })),
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startApp(location.search);
