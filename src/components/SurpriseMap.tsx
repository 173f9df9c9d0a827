import { useEffect, useMemo, useRef, useState } from 'react';
import { formatBits, heatColour, pixelBits, scaleMax, scaleTicks, surpriseRGBA } from '../canvas/surprise';
import { clientToCanvas } from '../canvas/pixels';
import { bitsPerPixel } from '../core/codec/index';
import type { ModelConfig } from '../core/models/config';
import { moveCursor } from './pixelCursor';

const CH = ['R', 'G', 'B'];

interface Props {
  /** −log2 p per sub-pixel [H·W·C]. */
  modelBits: Float64Array;
  config: ModelConfig;
  picked: { row: number; col: number } | null;
  onPick: (row: number, col: number) => void;
  zoom: number;
}

/**
 * Bits per pixel over the picture: where the model was surprised (bright) and where it expected what came
 * (dark). Hover shows a pixel's bits, a click keeps it (or the arrow keys, once focused); the read-out
 * splits them by colour.
 */
export function SurpriseMap({ modelBits, config, picked, onPick, zoom }: Props) {
  const { height: H, width: W, channels: C } = config;
  const canvas = useRef<HTMLCanvasElement>(null);
  const perPixel = useMemo(() => bitsPerPixel(modelBits, config), [modelBits, config]);
  const max = useMemo(() => scaleMax(perPixel), [perPixel]);
  const [hover, setHover] = useState<{ row: number; col: number } | null>(null);
  const shown = hover ?? picked;

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(surpriseRGBA(perPixel, max), W, H), 0, 0);
  }, [perPixel, max, W, H]);

  const at = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const p = clientToCanvas(e.clientX, e.clientY, e.currentTarget.getBoundingClientRect(), W, H);
    const row = Math.floor(p.y);
    const col = Math.floor(p.x);
    return row >= 0 && row < H && col >= 0 && col < W ? { row, col } : null;
  };
  const readout = shown ? pixelBits(modelBits, W, C, shown.row, shown.col) : null;
  // The bar shows the scale's colours evenly (the ticks below sit at their places on it).
  const gradient = `linear-gradient(to right, ${scaleTicks(max, 16)
    .map((b) => `rgb(${heatColour(b, max).join(',')})`)
    .join(', ')})`;

  return (
    <div className="surprise">
      <div className="surprise-map" style={{ width: W * zoom }}>
        <canvas
          ref={canvas}
          className="pixels pickable"
          width={W}
          height={H}
          // Width, and the height from the aspect ratio: on a narrow screen max-width: 100% scales it down whole.
          style={{ width: W * zoom, aspectRatio: `${W} / ${H}` }}
          tabIndex={0}
          onKeyDown={(e) => {
            const next = moveCursor({ index: 0, ...(picked ?? { row: 0, col: 0 }) }, e.key, 1, { height: H, width: W }, { cols: 1 });
            if (!next) return;
            e.preventDefault();
            onPick(next.row, next.col);
          }}
          onMouseMove={(e) => setHover(at(e))}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const hit = at(e);
            if (hit) onPick(hit.row, hit.col);
          }}
          data-testid="surprise-map"
          data-max={max}
          role="img"
          aria-label="Surprise map: bits per pixel"
        />
        {picked && (
          <div className="surprise-pick" style={{ left: `${(100 * picked.col) / W}%`, top: `${(100 * picked.row) / H}%`, width: `${100 / W}%`, height: `${100 / H}%` }} />
        )}
      </div>
      <div className="surprise-scale" data-testid="surprise-scale">
        <div className="bar" style={{ background: gradient, width: W * zoom }} />
        <div className="ticks" style={{ width: W * zoom }}>
          {scaleTicks(max).map((b) => (
            <span key={b}>{formatBits(b)}</span>
          ))}
        </div>
        <span className="hint">bits per pixel (−log₂ p{C === 3 ? ', summed over R, G, B' : ''}; square-root scale)</span>
      </div>
      <p className="readout" data-testid="surprise-readout" data-row={shown?.row} data-col={shown?.col} data-total={readout?.total}>
        {readout && shown ? (
          <>
            pixel ({shown.row}, {shown.col}):{' '}
            {C === 3 ? (
              <>
                {readout.channels.map((b, c) => (
                  <span key={c} data-testid={`surprise-bits-${CH[c]}`} data-bits={b}>
                    {c > 0 ? ' + ' : ''}
                    {CH[c]} {formatBits(b)}
                  </span>
                ))}{' '}
                = <strong data-testid="surprise-bits-total">{formatBits(readout.total)} bits</strong>
              </>
            ) : (
              <strong data-testid="surprise-bits-total">{formatBits(readout.total)} bits</strong>
            )}
          </>
        ) : (
          'Point at a pixel, or click one, for its bits.'
        )}
      </p>
    </div>
  );
}
