import { restartWorker } from '../store/actions/app';
import { useApp } from '../store/store';

/** A crashed worker or a lost GPU device: what happened, and a button to carry on. */
export function Faults() {
  const faults = useApp((s) => s.faults);
  const backend = useApp((s) => s.backend);
  return (
    <>
      {backend.status === 'failed' && (
        <div className="banner bad" role="alert" data-testid="backend-error">
          No compute backend could start: {backend.error}
          <button onClick={() => void restartWorker('sampler')}>Try again</button>
        </div>
      )}
      {faults.map((f) => (
        <div key={f.worker} className="banner bad" role="alert" data-testid={`fault-${f.worker}`}>
          <div>
            <strong>{f.kind === 'deviceLost' ? 'The GPU device was lost' : `The ${f.worker === 'sampler' ? 'sampling' : 'training'} worker crashed`}.</strong> {f.message}{' '}
            Saved models are kept in this browser; restarting starts a fresh {f.kind === 'deviceLost' ? 'GPU backend' : 'worker'}.
          </div>
          <button data-testid={`restart-${f.worker}`} onClick={() => void restartWorker(f.worker)}>
            Restart {f.kind === 'deviceLost' ? 'the backend' : 'the worker'}
          </button>
        </div>
      ))}
    </>
  );
}
