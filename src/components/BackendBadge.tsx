import { figure } from '../gpu/choice';
import { label, type BackendChoice } from '../gpu/names';
import { useApp } from '../store/store';

const HOW: Record<BackendChoice['how'], string> = {
  measured: 'measured just now',
  cached: 'measured earlier on this device',
  forced: 'forced by the URL',
  default: 'not measured',
};

/** Which tfjs backend samples, why, and the figures measured for each backend of this browser. */
export function BackendBadge() {
  const backend = useApp((s) => s.backend);
  const note = useApp((s) => (s.model.status === 'loading' ? s.model.note : null));
  const problem = backend.urlProblem ?? backend.sampling?.problem ?? null;
  const warning = problem && (
    <span className="problem" data-testid="backend-problem">
      {problem}
    </span>
  );
  if (backend.status === 'failed')
    return (
      <div className="badge bad" data-testid="backend-badge" data-backend="none">
        <strong>No backend</strong>
        <span className="why">{backend.error}</span>
        {warning}
      </div>
    );
  const choice = backend.sampling;
  if (backend.status === 'starting' || !choice)
    return (
      <div className="badge" data-testid="backend-badge" data-backend="">
        <strong>{backend.status === 'starting' ? 'Starting…' : 'Choosing a backend…'}</strong>
        {note && <span className="why">{note}</span>}
        {warning}
      </div>
    );
  const gpu = choice.name === 'webgpu' || choice.name === 'webgl';
  return (
    <div className={`badge ${choice.how === 'default' ? 'warn' : 'good'}`} data-testid="backend-badge" data-backend={choice.name} data-how={choice.how}>
      <strong>
        Sampling on {label(choice.name)}
        {gpu ? '' : ' (CPU)'}
      </strong>
      <span className="why" data-testid="backend-reason">
        {choice.reason} <small>({HOW[choice.how]})</small>
      </span>
      {warning}
      {choice.measurements.length > 0 && (
        <details>
          <summary>Every backend here</summary>
          <ul className="figures" data-testid="backend-figures">
            {choice.measurements.map((m) => (
              <li key={m.name} data-backend={m.name} data-rate={m.rate ?? ''}>
                <strong>{label(m.name)}</strong>: {m.rate !== null ? `${figure(m.rate, choice.job)} (${m.note})` : m.note}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
