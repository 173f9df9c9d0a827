import { closeInspector } from '../store/actions/sample';
import { useApp } from '../store/store';

const COLOURS = ['#ff5c5c', '#4cd97b', '#5c9dff'];
const NAMES = ['R', 'G', 'B'];

/** The distributions a finished sample's pixel was drawn from: like the paper's figure of softmax activations. */
export function Inspector() {
  const inspect = useApp((s) => s.inspect);
  const config = useApp((s) => s.sample.config);
  const drawnBy = useApp((s) => s.registry.models.find((m) => m.id === s.sample.modelId)?.title ?? s.sample.modelId);
  if (!inspect || !config)
    return <p className="hint">Click a pixel of a finished sample (or focus the samples and use the arrow keys and Enter) to see the distributions the model drew it from.</p>;
  const binary = config.output === 'binary';
  return (
    <div className="inspector" data-testid="inspector" data-status={inspect.status}>
      <div className="inspector-head">
        <strong data-testid="inspector-title">
          Image {inspect.index + 1}, pixel (row {inspect.row}, column {inspect.col}){drawnBy ? `, drawn by ${drawnBy}` : ''}
        </strong>
        <button className="ghost" onClick={closeInspector} aria-label="Close the inspector">
          ×
        </button>
      </div>
      {inspect.status === 'loading' && <p>Computing…</p>}
      {inspect.status === 'error' && <p className="error">{inspect.error}</p>}
      {inspect.result && (
        <>
          <p className="hint">
            {binary
              ? 'The probability that this pixel is white, given every pixel above it and to its left: the bar runs from 0 (surely black) to 1 (surely white).'
              : 'Each colour value is one of 256 classes. R is drawn given the pixels before; G also given R; B given R and G. Notice the peaks: the model learns that nearby values are alike without being told.'}
          </p>
          <div className="dists">
            {inspect.result.probs.map((p, c) =>
              binary ? (
                <Probability key={c} probs={p} value={inspect.result!.values[c]!} index={c} />
              ) : (
                <Distribution key={c} probs={p} value={inspect.result!.values[c]!} colour={COLOURS[c]!} name={NAMES[c]!} index={c} />
              ),
            )}
          </div>
        </>
      )}
    </div>
  );
}

function Distribution({ probs, value, colour, name, index }: { probs: Float64Array; value: number; colour: string; name: string; index: number }) {
  const max = Math.max(...probs, 1e-12);
  const sum = probs.reduce((a, b) => a + b, 0);
  const w = 256;
  const h = 64;
  const bw = w / probs.length;
  return (
    <figure className="dist" data-testid={`dist-${index}`} data-sum={sum.toFixed(6)} data-k={probs.length}>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-label={`${name} distribution`}>
        {Array.from(probs, (p, v) => (
          <rect key={v} x={v * bw} y={h - (p / max) * h} width={Math.max(bw - (probs.length <= 2 ? 8 : 0), 1)} height={(p / max) * h} fill={v === value ? '#ffd166' : colour} />
        ))}
      </svg>
      <figcaption>
        {name}: drew {value} (p = {probs[value]!.toFixed(3)}){probs.length === 2 ? `, p(white) = ${probs[1]!.toFixed(3)}` : ''}
      </figcaption>
    </figure>
  );
}

/**
 * A binary pixel's distribution as what it is, one probability: a bar on a fixed 0 → 1 scale (not two bars
 * scaled to the taller one, which would show p = 0.6 and p = 0.95 alike).
 */
function Probability({ probs, value, index }: { probs: Float64Array; value: number; index: number }) {
  const white = probs[1]!;
  const sum = probs[0]! + white;
  const pct = Math.max(0, Math.min(100, white * 100));
  return (
    <figure className="dist prob" data-testid={`dist-${index}`} data-sum={sum.toFixed(6)} data-k={probs.length}>
      <div
        className="prob-bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={1}
        aria-valuenow={Number(white.toFixed(3))}
        aria-label="Probability that the pixel is white"
        data-testid="p-white"
        data-p={white.toFixed(6)}
      >
        <div className="prob-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="prob-scale" aria-hidden="true">
        <span>0 black</span>
        <span>0.5</span>
        <span>1 white</span>
      </div>
      <figcaption>
        p(white) = {white.toFixed(3)}; drew {value === 1 ? 'white' : 'black'} (p = {probs[value]!.toFixed(3)})
      </figcaption>
    </figure>
  );
}
