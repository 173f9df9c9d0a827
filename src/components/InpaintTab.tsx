import { hiddenCount } from '../canvas/mask';
import { clampInt } from '../store/actions/app';
import { clearMask, complete, hideBottomHalf, setInpaint, undoMask, uploadInpaintImage, pickImage } from '../store/actions/inpaint';
import { stopSampling } from '../store/actions/sample';
import { useApp } from '../store/store';
import { ClassPicker } from './ClassPicker';
import { ImageGrid } from './ImageGrid';
import { TestGallery } from './TestGallery';
import { MaskEditor } from './MaskEditor';
import { Progress } from './Progress';

/** Hide part of a picture and let the model fill it in, conditioned on everything it can see. */
export function InpaintTab() {
  const model = useApp((s) => s.model);
  const inpaint = useApp((s) => s.inpaint);
  const config = model.config;
  const run = inpaint.run;
  const running = run.status === 'running';

  if (!config) return <div className="placeholder">Waiting for the model…</div>;
  if (config.condition)
    return (
      <div className="tab-body">
        <p className="panel notice" data-testid="inpaint-unsupported">
          Inpainting is not supported for the Multi-Scale PixelRNN: its large image is drawn given a small image of the whole picture, which a hidden region would
          also hide. Pick another model to inpaint.
        </p>
      </div>
    );
  const hidden = inpaint.mask ? hiddenCount(inpaint.mask) : 0;

  return (
    <div className="tab-body">
      <section className="panel">
        <p className="explain">
          Pick a picture, paint over the part to hide, and press Complete. Every visible pixel stays exactly as it is; the hidden ones are drawn in the same order as
          in sampling, each conditioned on all the pixels before it (the model only ever looks up and to the left, so pixels below a hole do not inform it).
        </p>
        <div className="row">
          <TestGallery config={config} onPick={pickImage} testId="gallery" />
          <label className="field">
            <span className="label">…or your own picture</span>
            <input type="file" accept="image/png,image/jpeg,image/webp,image/gif,image/avif" data-testid="inpaint-upload" onChange={(e) => e.target.files?.[0] && void uploadInpaintImage(e.target.files[0])} />
            <span className="hint">
              Centre-cropped and resized to {config.width}×{config.height}
              {config.output === 'binary' ? ', then made black and white' : ''}; it never leaves this browser.
            </span>
          </label>
        </div>
        {inpaint.message && (
          <p className="error" data-testid="inpaint-message">
            {inpaint.message}
          </p>
        )}
      </section>

      {inpaint.source && inpaint.mask && (
        <section className="panel">
          <div className="row">
            <div className="field">
              <span className="label">What the model sees: {inpaint.sourceName}</span>
              <MaskEditor config={config} source={inpaint.source} mask={inpaint.mask} />
              <span className="hint" data-testid="hidden-count">
                {hidden} of {config.height * config.width} pixels hidden
              </span>
            </div>
            <div className="field tools">
              <span className="label">Mask</span>
              <div className="seg" role="group" aria-label="Tool">
                {(['brush', 'rect', 'eraser'] as const).map((t) => (
                  <button key={t} className={inpaint.tool === t ? 'on' : ''} aria-pressed={inpaint.tool === t} onClick={() => setInpaint({ tool: t })} data-testid={`tool-${t}`}>
                    {t === 'brush' ? 'Brush' : t === 'rect' ? 'Rectangle' : 'Eraser'}
                  </button>
                ))}
              </div>
              <label className="field">
                <span className="label">Brush size {inpaint.brush}</span>
                <input type="range" min={1} max={9} step={1} value={inpaint.brush} onChange={(e) => setInpaint({ brush: Number(e.target.value) })} data-testid="brush-size" />
              </label>
              <div className="buttons">
                <button onClick={undoMask} disabled={inpaint.undo.length === 0} data-testid="undo">
                  Undo
                </button>
                <button onClick={hideBottomHalf} data-testid="bottom-half">
                  Hide bottom half
                </button>
                <button onClick={clearMask} data-testid="clear-mask">
                  Clear
                </button>
              </div>
              <div className="row">
                <label className="field">
                  <span className="label">Completions</span>
                  <input type="number" min={1} max={16} value={inpaint.count} onChange={(e) => setInpaint({ count: clampInt(Number(e.target.value), 1, 16) })} data-testid="inpaint-count" />
                </label>
                <label className="field">
                  <span className="label">Seed</span>
                  <input type="number" value={inpaint.seed} onChange={(e) => setInpaint({ seed: Math.trunc(Number(e.target.value)) || 0 })} data-testid="inpaint-seed" />
                </label>
                <ClassPicker value={inpaint.drawClass} onChange={(drawClass) => setInpaint({ drawClass })} disabled={running} testId="inpaint-class" />
              </div>
              <div className="buttons">
                {running ? (
                  <button onClick={stopSampling} data-testid="inpaint-stop">
                    Stop
                  </button>
                ) : (
                  <button className="primary" onClick={() => void complete()} disabled={model.status !== 'ready' || hidden === 0} data-testid="complete">
                    Complete
                  </button>
                )}
              </div>
            </div>
          </div>
        </section>
      )}

      {run.images && run.config && (
        <section className="panel" data-testid="completions" data-status={run.status} data-class={run.drawClass ?? 'any'}>
          <Progress run={run} what="hidden sub-pixels" />
          <div className="completions">
            {Array.from({ length: run.count }, (_, i) => {
              const per = run.config!.height * run.config!.width * run.config!.channels;
              return (
                <figure key={i} className="completion">
                  <ImageGrid
                    images={run.images!.subarray(i * per, (i + 1) * per)}
                    count={1}
                    config={run.config!}
                    done={running ? run.done : undefined}
                    highlight={running ? { row: run.row, col: run.col } : null}
                    zoom={Math.max(3, Math.floor(128 / run.config!.width))}
                    testId={`completion-${i}`}
                    label={`Completion ${i + 1}`}
                  />
                  <figcaption data-testid={`loglik-${i}`}>
                    {run.logProb ? `log p = ${run.logProb[i]!.toFixed(1)} nats` : running ? 'sampling…' : ''}
                  </figcaption>
                </figure>
              );
            })}
          </div>
          <p className="hint">log p: how likely the model finds the pixels it drew, given the visible ones (higher is more likely).</p>
        </section>
      )}
    </div>
  );
}
