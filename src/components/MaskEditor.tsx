import { useEffect, useRef } from 'react';
import { clientToCanvas, toRGBA } from '../canvas/pixels';
import { fillRect, paintLine } from '../canvas/mask';
import type { ModelConfig } from '../core/models/config';
import { commitStroke, previewMask } from '../store/actions/inpaint';
import { useApp } from '../store/store';
import { shapeOf } from './ImageGrid';

/** The picture with its occlusion mask; paint with the pointer (brush, rectangle, eraser). */
export function MaskEditor({ config, source, mask }: { config: ModelConfig; source: Uint8Array; mask: Uint8Array }) {
  const tool = useApp((s) => s.inpaint.tool);
  const brush = useApp((s) => s.inpaint.brush);
  const canvas = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<{ before: Uint8Array; last: { row: number; col: number }; start: { row: number; col: number } } | null>(null);
  const { height: H, width: W } = config;
  const zoom = Math.max(8, Math.ceil(256 / W));

  useEffect(() => {
    const id = requestAnimationFrame(() => {
      const ctx = canvas.current?.getContext('2d');
      if (!ctx) return;
      const rgba = toRGBA(source, 0, shapeOf(config));
      // Hidden pixels: the picture shows through a translucent magenta veil, so the person still sees what they cover.
      for (let p = 0; p < H * W; p++) {
        if (!mask[p]) continue;
        rgba[p * 4] = rgba[p * 4]! * 0.35 + 200 * 0.65;
        rgba[p * 4 + 1] = rgba[p * 4 + 1]! * 0.35 + 40 * 0.65;
        rgba[p * 4 + 2] = rgba[p * 4 + 2]! * 0.35 + 160 * 0.65;
      }
      ctx.putImageData(new ImageData(rgba, W, H), 0, 0);
    });
    return () => cancelAnimationFrame(id);
  }, [source, mask, config, H, W]);

  const at = (e: React.PointerEvent) => {
    const p = clientToCanvas(e.clientX, e.clientY, canvas.current!.getBoundingClientRect(), W, H);
    return { row: Math.max(0, Math.min(H - 1, Math.floor(p.y))), col: Math.max(0, Math.min(W - 1, Math.floor(p.x))) };
  };
  const value = tool === 'eraser' ? 0 : 1;
  const radius = (brush - 1) / 2;

  const down = (e: React.PointerEvent) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = at(e);
    stroke.current = { before: mask, last: p, start: p };
    previewMask(tool === 'rect' ? fillRect(mask, config, p, p, 1) : paintLine(mask, config, p, p, radius, value));
  };
  const move = (e: React.PointerEvent) => {
    const s = stroke.current;
    if (!s) return;
    const p = at(e);
    if (tool === 'rect') previewMask(fillRect(s.before, config, s.start, p, 1));
    else {
      previewMask(paintLine(currentMask(), config, s.last, p, radius, value));
      s.last = p;
    }
  };
  const up = () => {
    const s = stroke.current;
    if (!s) return;
    stroke.current = null;
    commitStroke(s.before, currentMask());
  };

  return (
    <canvas
      ref={canvas}
      className="pixels paint"
      width={W}
      height={H}
      style={{ width: W * zoom, aspectRatio: `${W} / ${H}` }}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      data-testid="mask-editor"
      aria-label="Picture and occlusion mask: drag to paint"
    />
  );
}

function currentMask(): Uint8Array {
  return useApp.getState().inpaint.mask!;
}
