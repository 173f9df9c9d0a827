import { gridPng, downloadBlob } from '../canvas/export';
import { clampInt } from '../store/actions/app';
import { inspectPixel, setSampleSettings, startSampling, stopSampling } from '../store/actions/sample';
import type { SampleRun } from '../store/state';
import { useApp } from '../store/store';
import { gridLayout } from '../canvas/pixels';
import { ImageGrid, MIN_ZOOM, shapeOf } from './ImageGrid';
import { ClassPicker } from './ClassPicker';
import { Inspector } from './Inspector';
import { Progress } from './Progress';

/** CSS pixels per small-image pixel that show the small images as large as the large ones beside them (ImageGrid's zoom × the factor). */
function sameSize(run: SampleRun): number {
  const large = gridLayout(run.count, run.config!, 8);
  const zoom = Math.min(8, Math.max(MIN_ZOOM, Math.floor(720 / Math.max(large.pxWidth, 1))));
  return zoom * (run.config!.height / run.smallConfig!.height);
}

/** A Multi-Scale PixelRNN's stages, in words: which one is being drawn. */
function StageNote({ run }: { run: SampleRun }) {
  const s = run.smallConfig!;
  const l = run.config!;
  const text =
    run.stage === 'small'
      ? `Stage 1 of 2: the ${s.height}×${s.width} image, pixel by pixel (shown enlarged).`
      : run.stage === 'large'
        ? `Stage 2 of 2: the ${l.height}×${l.width} image, drawn over the enlarged ${s.height}×${s.width} one and given it.`
        : `Multi-Scale PixelRNN: stage 1 drew the ${s.height}×${s.width} images, stage 2 the ${l.height}×${l.width} images given them.`;
  return (
    <p className="hint" data-testid="sample-stage-note">
      {text}
    </p>
  );
}

/** Draw new images from the model, pixel by pixel. */
export function SampleTab() {
  const settings = useApp((s) => s.sampleSettings);
  const run = useApp((s) => s.sample);
  const model = useApp((s) => s.model);
  const inspect = useApp((s) => s.inspect);
  const running = run.status === 'running';
  const ready = model.status === 'ready';

  const download = async () => {
    if (!run.images || !run.config) return;
    downloadBlob(await gridPng(run.images, run.count, shapeOf(run.config)), `pixelrnn-samples-seed${run.seed}.png`);
  };

  // the sampled images: in a Multi-Scale PixelRNN's second stage, after its first
  const grid = run.images && run.config && (
    <ImageGrid
      images={run.images}
      count={run.count}
      config={run.config}
      done={running ? run.done : undefined}
      highlight={running ? { row: run.row, col: run.col } : null}
      selected={inspect?.stage === 'small' ? null : inspect}
      onPick={run.status === 'done' ? (h) => void inspectPixel(h.index, h.row, h.col, run.small ? 'large' : undefined) : undefined}
      testId="sample-grid"
      label="Sampled images"
    />
  );
  return (
    <div className="tab-body">
      <section className="panel">
        <p className="explain">
          The model writes an image one pixel at a time, left to right, top to bottom
          {model.config?.channels === 1 ? ', each pixel black or white' : '; inside each pixel it picks red, then green, then blue'}. Every choice is a draw from a
          distribution that depends on everything drawn before.
        </p>
        <div className="row controls">
          <label className="field">
            <span className="label">Images</span>
            <input type="number" min={1} max={64} value={settings.count} data-testid="count" onChange={(e) => setSampleSettings({ count: clampInt(Number(e.target.value), 1, 64) })} />
          </label>
          <label className="field">
            <span className="label" title="Below 1: safer, more typical images; above 1: wilder ones.">
              Temperature {settings.temperature.toFixed(2)}
            </span>
            <input type="range" min={0} max={2} step={0.05} value={settings.temperature} data-testid="temperature" onChange={(e) => setSampleSettings({ temperature: Number(e.target.value) })} />
          </label>
          <label className="field">
            <span className="label" title="The same seed gives exactly the same images.">
              Seed
            </span>
            <input type="number" value={settings.seed} data-testid="seed" onChange={(e) => setSampleSettings({ seed: Math.trunc(Number(e.target.value)) || 0 })} />
          </label>
          <ClassPicker value={settings.drawClass} onChange={(drawClass) => setSampleSettings({ drawClass })} disabled={running} testId="draw-class" />
          <div className="buttons">
            {running ? (
              <button onClick={stopSampling} data-testid="stop">
                Stop
              </button>
            ) : (
              <button className="primary" disabled={!ready} onClick={() => void startSampling()} data-testid="sample">
                Sample
              </button>
            )}
            <button onClick={() => setSampleSettings({ seed: Math.floor(Math.random() * 1e6) })} disabled={running} title="A new random seed">
              New seed
            </button>
            <button onClick={() => void download()} disabled={!run.images || running} data-testid="download">
              Download PNG
            </button>
          </div>
        </div>
      </section>
      <section
        className="panel samples"
        data-testid="samples"
        data-status={run.status}
        data-seed={run.seed}
        data-class={run.drawClass ?? 'any'}
        data-stage={run.stage ?? ''}
        data-stages={run.stageLog?.map((s) => `${s.stage}@${s.smallDone}`).join(',') ?? ''}
      >
        <Progress run={run} />
        {run.smallConfig && run.config && <StageNote run={run} />}
        {run.images && run.config ? (
          <div className="row stages">
            {run.small && run.smallConfig && (
              <figure className="small-stage">
                <ImageGrid
                  images={run.small}
                  count={run.count}
                  config={run.smallConfig}
                  done={running && run.stage === 'small' ? run.smallDone : undefined}
                  selected={inspect?.stage === 'small' ? inspect : null}
                  onPick={run.status === 'done' ? (h) => void inspectPixel(h.index, h.row, h.col, 'small') : undefined}
                  zoom={sameSize(run)}
                  testId="sample-small-grid"
                  label={`The ${run.smallConfig.height}×${run.smallConfig.width} images drawn first`}
                />
                <figcaption>
                  Stage 1: {run.smallConfig.height}×{run.smallConfig.width}
                </figcaption>
              </figure>
            )}
            {run.small ? (
              <figure className="large-stage">
                {grid}
                <figcaption>
                  Stage 2: {run.config.height}×{run.config.width}, given stage 1
                </figcaption>
              </figure>
            ) : (
              grid
            )}
          </div>
        ) : (
          <div className="placeholder">{ready ? 'Press Sample.' : 'Waiting for the model…'}</div>
        )}
        {run.error && <p className="error">{run.error}</p>}
      </section>
      <section className="panel">
        <h3>Pixel inspector</h3>
        <Inspector />
      </section>
    </div>
  );
}
