import { useEffect, useMemo, useRef, useState } from 'react';
import { clientToCanvas } from '../canvas/pixels';
import { paletteColour } from '../canvas/surprise';
import { DECADES, fieldPerPixel, fieldRGBA, fieldScale, fieldTicks, formatMagnitude, isEarlierPixel, ZERO_COLOUR } from '../canvas/fieldMap';

interface Props {
  /** |∂ log p / ∂ x| per sub-pixel [H·W·C]. */
  magnitude: Float32Array;
  height: number;
  width: number;
  channels: number;
  at: { row: number; col: number; channel: number };
  /** The input colour shown (null: the largest of a pixel's colours). */
  show: number | null;
  zoom: number;
  label: string;
  testId: string;
}

const CH = ['R', 'G', 'B'];

/** A CSS gradient through the palette, n stops. */
const paletteGradient = (n: number) => `linear-gradient(to right, ${Array.from({ length: n }, (_, i) => `rgb(${paletteColour(i / (n - 1)).join(',')})`).join(', ')})`;

/**
 * One panel's heatmap: per earlier pixel, how strongly the chosen sub-pixel's log-probability depends on it
 * (log scale, the surprise map's palette); grey where it cannot depend on it at all (exactly zero), blank after
 * it. The outlined pixel is the one chosen. Pointing at a pixel reads its value out.
 */
export function FieldMap({ magnitude, height: H, width: W, channels: C, at, show, zoom, label, testId }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const perPixel = useMemo(() => fieldPerPixel(magnitude, C, show), [magnitude, C, show]);
  const scale = useMemo(() => fieldScale(perPixel, W, at), [perPixel, W, at]);
  const [hover, setHover] = useState<{ row: number; col: number } | null>(null);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(fieldRGBA(perPixel, W, at, scale), W, H), 0, 0);
  }, [perPixel, W, H, at, scale]);

  // What the e2e checks and a screen reader can say: earlier pixels, and how many of them it depends on.
  let earlier = 0;
  let seen = 0;
  let laterNonZero = 0;
  for (let p = 0; p < H * W; p++) {
    if (isEarlierPixel(p, W, at)) {
      earlier++;
      if (perPixel[p] !== 0) seen++;
    } else if (perPixel[p] !== 0) laterNonZero++;
  }
  const hovered = hover ? perPixel[hover.row * W + hover.col]! : null;
  const ticks = fieldTicks(scale);
  // The bar shows the palette evenly: on a log scale the ticks (one per power of ten) are evenly spaced too.
  const gradient = paletteGradient(17);

  return (
    <div className="field-map">
      <div className="surprise-map" style={{ width: W * zoom }}>
        <canvas
          ref={canvas}
          className="pixels field-canvas"
          width={W}
          height={H}
          style={{ width: W * zoom, aspectRatio: `${W} / ${H}` }}
          onMouseMove={(e) => {
            const p = clientToCanvas(e.clientX, e.clientY, e.currentTarget.getBoundingClientRect(), W, H);
            const row = Math.floor(p.y);
            const col = Math.floor(p.x);
            setHover(row >= 0 && row < H && col >= 0 && col < W ? { row, col } : null);
          }}
          onMouseLeave={() => setHover(null)}
          data-testid={testId}
          data-earlier={earlier}
          data-seen={seen}
          data-later-nonzero={laterNonZero}
          data-max={scale.max}
          role="img"
          aria-label={`${label}: depends on ${seen} of the ${earlier} earlier pixels`}
        />
        <div className="surprise-pick" style={{ left: `${(100 * at.col) / W}%`, top: `${(100 * at.row) / H}%`, width: `${100 / W}%`, height: `${100 / H}%` }} />
      </div>
      {ticks.length > 0 && (
        <div className="surprise-scale">
          <div className="bar" style={{ background: gradient, width: W * zoom }} />
          <div className="ticks" style={{ width: W * zoom }}>
            {ticks.filter((_, i) => i % 2 === 0).map((t) => (
              <span key={t}>{formatMagnitude(t)}</span>
            ))}
          </div>
        </div>
      )}
      <p className="readout hint" data-testid={`${testId}-readout`}>
        {hover && hovered !== null
          ? isEarlierPixel(hover.row * W + hover.col, W, at)
            ? `(${hover.row}, ${hover.col})${show !== null && C === 3 ? ` ${CH[show]}` : ''}: ${hovered === 0 ? 'exactly 0' : formatMagnitude(hovered)}`
            : `(${hover.row}, ${hover.col}): later, not drawn yet`
          : `sees ${seen} of ${earlier} earlier pixels`}
      </p>
    </div>
  );
}

/** The legend shared by the panels: the scale's colours, the grey of an exact zero, blank for later pixels. */
export function FieldLegend() {
  return (
    <p className="field-legend hint">
      <span className="swatch" style={{ background: paletteGradient(5) }} /> weak → strong (log scale, {DECADES} powers of ten per panel) <span className="swatch" style={{ background: `rgb(${ZERO_COLOUR.join(',')})` }} /> exactly zero: cannot influence it{' '}
      <span className="swatch blank" /> blank: later pixels <span className="swatch picked" /> the chosen pixel. (Rarely, a grey pixel inside a field is one whose path
      runs only through ReLUs that are off for this picture.)
    </p>
  );
}
