import { label } from '../gpu/names';
import { useApp } from '../store/store';

/** Which tfjs backend computes, and why (WebGPU → WebGL → CPU). */
export function BackendBadge() {
  const backend = useApp((s) => s.backend);
  if (backend.status === 'starting') return <span className="badge" data-testid="backend-badge" data-backend="">Starting the GPU…</span>;
  if (backend.status === 'failed' || !backend.info)
    return (
      <span className="badge bad" data-testid="backend-badge" data-backend="none" title={backend.error ?? ''}>
        No backend
      </span>
    );
  const { info } = backend;
  const kind = info.name === 'webgpu' ? (info.software ? 'warn' : 'good') : 'warn';
  return (
    <span className={`badge ${kind}`} data-testid="backend-badge" data-backend={info.name}>
      <strong>{label(info.name)}</strong>
      {info.software && info.name === 'webgpu' ? ' (software)' : ''}
      <span className="why" data-testid="backend-reason">
        {info.reason}
        {info.skipped.length > 0 && info.name === 'webgpu' ? '' : ''}
      </span>
    </span>
  );
}
