import { useEffect, useState } from 'react';
import { figure } from '../gpu/choice';
import { label } from '../gpu/names';
import { clampInt } from '../store/actions/app';
import {
  addFiles,
  blocker,
  clearUploads,
  continueTraining,
  deleteLocalModel,
  exportSelected,
  importFiles,
  MIN_IMAGES,
  pauseTraining,
  refreshSavedRun,
  restoreShipped,
  scratchBlocker,
  scratchOptions,
  startFromScratch,
  setFinetune,
  startTraining,
  stopTraining,
  toggleUpload,
  useFinetuned,
} from '../store/actions/finetune';
import { useApp } from '../store/store';
import { ARCHS } from '../store/registry';
import { flopsPerImage } from '../core/train/scratch';
import type { ModelConfig } from '../core/index';
import type { ScratchOption } from '../worker/protocol';
import { Chart } from './Chart';
import { ImageGrid } from './ImageGrid';

/** Fine-tune the selected model on your own images, in a worker, saved in this browser as it trains. */
export function FineTuneTab() {
  const ft = useApp((s) => s.finetune);
  const model = useApp((s) => s.model);
  const entry = useApp((s) => s.registry.models.find((m) => m.id === s.modelId));
  const trainerBackend = useApp((s) => s.trainerBackend);
  const notice = useApp((s) => s.notice);
  const why = useApp(blocker);
  const [over, setOver] = useState(false);
  const modelReady = model.status === 'ready';
  // Whether the selected model is a fine-tune saved with its training state ("Continue").
  useEffect(() => {
    if (modelReady) void refreshSavedRun();
  }, [entry?.id, modelReady]);
  const config = model.config;
  if (!config) return <div className="placeholder">Waiting for the model…</div>;
  if (config.condition)
    return (
      <div className="tab-body">
        <p className="panel notice" data-testid="finetune-unsupported">
          Fine-tuning a Multi-Scale PixelRNN in the browser is not supported yet: it is two models, trained on pairs of a small and a large image
          (train/train.py --data emoji64). Pick another model to fine-tune.
        </p>
      </div>
    );
  const busy = ft.status === 'running' || ft.status === 'paused' || ft.status === 'stopping';
  const good = ft.uploads.filter((u) => u.ok);
  const bad = ft.uploads.filter((u) => !u.ok);

  return (
    <div className="tab-body">
      <section className="panel">
        <p className="explain">
          Teach the selected model your own pictures. Training runs in a background worker; the model is saved in this browser as it goes and appears in the Weights list
          under its own name. Your images never leave this page.
        </p>
        <div
          className={`dropzone${over ? ' over' : ''}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            void addFiles([...e.dataTransfer.files]);
          }}
        >
          Drop images here (PNG, JPEG, WebP, AVIF; GIF uses its first frame) or{' '}
          <label className="filepick">
            <input type="file" multiple accept="image/png,image/jpeg,image/webp,image/gif,image/avif" data-testid="train-upload" onChange={(e) => e.target.files && void addFiles([...e.target.files])} />
          </label>
          <div className="hint">
            Each is centre-cropped and resized to {config.width}×{config.height}
            {config.output === 'binary' ? ' and made black and white (MNIST models see white strokes on black)' : ', 256 levels per colour'}. Click one to leave it out.
          </div>
        </div>
        {ft.message && (
          <p className="hint" data-testid="finetune-message">
            {ft.message}
          </p>
        )}
        {bad.length > 0 && (
          <ul className="upload-errors" data-testid="upload-errors">
            {bad.map((u, i) => (
              <li key={i} data-testid="upload-error">
                {u.message}
              </li>
            ))}
          </ul>
        )}
        {good.length > 0 && (
          <>
            <div className="uploads" data-testid="uploads" data-count={good.length}>
              {ft.uploads.map((u, i) =>
                u.ok ? (
                  <figure
                    key={i}
                    className={`upload${u.selected ? '' : ' off'}`}
                    onClick={() => toggleUpload(i)}
                    onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggleUpload(i))}
                    role="checkbox"
                    tabIndex={0}
                    aria-checked={u.selected}
                    aria-label={`Train on ${u.name}`}
                    title={u.name}
                    data-testid="upload-ok"
                  >
                    <ImageGrid images={u.pixels!} count={1} config={config} zoom={Math.max(2, Math.floor(72 / config.width))} label={u.name} />
                    <figcaption>{u.name}</figcaption>
                  </figure>
                ) : null,
              )}
            </div>
            <button className="ghost-text" onClick={clearUploads} disabled={busy}>
              Remove all
            </button>
          </>
        )}
      </section>

      <section className="panel">
        <div className="row">
          <label className="field">
            <span className="label">Save as</span>
            <input type="text" value={ft.name} onChange={(e) => setFinetune({ name: e.target.value })} disabled={busy} data-testid="ft-name" />
          </label>
          <label className="field">
            <span className="label">Steps</span>
            <input type="number" min={1} max={100000} value={ft.steps} onChange={(e) => setFinetune({ steps: clampInt(Number(e.target.value), 1, 100000) })} disabled={busy} data-testid="ft-steps" />
          </label>
          <label className="field">
            <span className="label">Batch</span>
            <input type="number" min={1} max={64} value={ft.batchSize} onChange={(e) => setFinetune({ batchSize: clampInt(Number(e.target.value), 1, 64) })} disabled={busy} />
          </label>
          <label className="field">
            <span className="label">Learning rate</span>
            <input type="number" step={0.0001} min={0.00001} max={0.1} value={ft.learningRate} onChange={(e) => setFinetune({ learningRate: Number(e.target.value) || 0.001 })} disabled={busy} data-testid="ft-lr" />
          </label>
          <div className="buttons">
            {!busy ? (
              <button className="primary" onClick={() => void startTraining()} disabled={!!why} title={why ?? ''} data-testid="train">
                Fine-tune {entry?.title ?? ''}
              </button>
            ) : (
              <>
                <button onClick={() => void pauseTraining(ft.status === 'running')} disabled={ft.status === 'stopping'} data-testid="pause">
                  {ft.status === 'paused' ? 'Resume' : 'Pause'}
                </button>
                <button onClick={stopTraining} disabled={ft.status === 'stopping'} data-testid="stop-training">
                  Stop
                </button>
              </>
            )}
          </div>
        </div>
        {ft.savedRun && !busy && entry?.kind === 'local' && (
          <div className="row" data-testid="saved-run" data-step={ft.savedRun.step} data-updates={ft.savedRun.optimizerUpdates}>
            <button onClick={() => void continueTraining()} disabled={!modelReady} data-testid="continue-training">
              Continue "{entry.title}" from step {ft.savedRun.step} for {ft.steps} more steps
            </button>
            <span className="hint">
              Saved with its {ft.savedRun.optimizer === 'adam' ? 'Adam' : ft.savedRun.optimizer} state after {ft.savedRun.optimizerUpdates} updates and the {ft.savedRun.images} images it was trained on (batch{' '}
              {ft.savedRun.batchSize}, learning rate {ft.savedRun.learningRate}), in this browser only.
            </span>
          </div>
        )}
        {why && !busy && (
          <p className="hint" data-testid="train-blocked">
            {why}
          </p>
        )}
        {ft.error && (
          <p className="error" data-testid="train-error">
            {ft.error}
          </p>
        )}
        {ft.skipNote && (
          <p className="hint warn" data-testid="train-skip">
            {ft.skipNote}: the NaN guard kept the weights of the last good step.
          </p>
        )}
        <div className="stats" data-testid="train-stats" data-status={ft.status} data-step={ft.step} data-start-step={ft.startStep}>
          <span>
            status <strong>{ft.status}</strong>
          </span>
          <span>
            step <strong>{ft.step}</strong> / {ft.startStep + ft.steps}
          </span>
          <span>
            <strong>{ft.imagesPerSecond.toFixed(1)}</strong> images/s
          </span>
          {ft.status === 'running' && (
            <span>
              ETA <strong>{formatSeconds(ft.etaSeconds)}</strong>
            </span>
          )}
          {trainerBackend && (
            <span data-testid="train-backend" data-backend={trainerBackend.name} title={trainerBackend.measurements.map((m) => `${label(m.name)}: ${m.rate ? figure(m.rate, 'training') : '—'} (${m.note})`).join('\n')}>
              on <strong>{label(trainerBackend.name)}</strong>: {trainerBackend.reason}
            </span>
          )}
          {ft.savedStep !== null && <span data-testid="saved-step">saved at step {ft.savedStep}</span>}
        </div>
        <div className="charts">
          <Chart title="Training loss" unit="bits/dim" series={[{ name: 'batch', colour: '#7aa2ff', points: ft.loss }]} testId="loss-chart" />
          <Chart title="Held-out images" unit="bits/dim" series={[{ name: 'held-out', colour: '#ffd166', points: ft.valBits }]} testId="val-chart" />
        </div>
        <p className="hint">bits/dim: how many bits the model needs per sub-pixel to encode an image; lower means the images look more likely to it. Binary pixels cost at most 1, colour values at most 8.</p>
        {ft.samples && (
          <div className="field">
            <span className="label">Samples at step {ft.samples.step}</span>
            <ImageGrid images={ft.samples.images} count={ft.samples.count} config={ft.samples.config} testId="train-samples" label="Samples during training" />
          </div>
        )}
      </section>

      {entry && (entry.dataset === 'mnist' || entry.dataset === 'emoji32') && entry.arch !== 'gated' && entry.arch !== 'multiscale' && (
        <ScratchPanel dataset={entry.dataset} arch={entry.arch} busy={busy} modelConfig={config} />
      )}

      <section className="panel">
        <h3>This model</h3>
        <div className="buttons">
          {ft.savedKey && (
            <button onClick={() => void useFinetuned()} data-testid="use-finetuned">
              Use the fine-tuned model
            </button>
          )}
          <button onClick={() => void restoreShipped()} data-testid="restore">
            Restore the shipped model
          </button>
          <button onClick={() => void exportSelected()} data-testid="export">
            Export to files
          </button>
          <label className="button-like">
            Import from files
            <input type="file" multiple accept=".json,.bin" hidden onChange={(e) => e.target.files && void importFiles([...e.target.files])} data-testid="import" />
          </label>
          {entry?.kind === 'local' && (
            <button onClick={() => void deleteLocalModel()} data-testid="delete-local">
              Delete "{entry.title}" from this browser
            </button>
          )}
        </div>
        {notice && (
          <p className="hint" data-testid="notice">
            {notice}
          </p>
        )}
        <p className="hint">Export writes model.json-style files (config, weights, card); Import reads both files back and checks them. Fewer than {MIN_IMAGES} usable images cannot be trained on.</p>
      </section>
    </div>
  );
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s <= 0) return '—';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Sizes of built-in images offered for training from scratch (the start of the training split). */
const BUILTIN_COUNTS = [64, 256, 1024];

/**
 * "Train from scratch": a new model of the selected dataset and architecture, at a size with its parameter
 * count and an estimated speed, on built-in images or the uploads. It uses the Save-as name, steps, batch
 * and learning rate above, and shows the same live curves and samples.
 */
function ScratchPanel({ dataset, arch: selectedArch, busy, modelConfig }: { dataset: 'mnist' | 'emoji32'; arch: ModelConfig['arch']; busy: boolean; modelConfig: ModelConfig }) {
  // The architecture to train: the selected model's at first, any of them by choice (a Gated PixelCNN too,
  // which has no shipped model yet).
  const [arch, setArch] = useState<ModelConfig['arch']>(selectedArch);
  useEffect(() => setArch(selectedArch), [selectedArch]);
  const [options, setOptions] = useState<ScratchOption[] | null>(null);
  const [size, setSize] = useState<ScratchOption['size']>('tiny');
  const [data, setData] = useState<'builtin' | 'uploads'>('builtin');
  const [count, setCount] = useState(BUILTIN_COUNTS[1]!);
  const ft = useApp((s) => s.finetune);
  const trainerBackend = useApp((s) => s.trainerBackend);
  const why = useApp((s) => scratchBlocker(s, data));
  useEffect(() => {
    let live = true;
    setOptions(null);
    scratchOptions(dataset, arch).then(
      (o) => live && setOptions(o),
      () => live && setOptions([]),
    );
    return () => {
      live = false;
    };
  }, [dataset, arch]);
  // A measured rate to scale: the last run's images/s on its model, else the training calibration of this model.
  const measuredRate = trainerBackend?.measurements.find((m) => m.name === trainerBackend.name)?.rate ?? null;
  const measured = ft.imagesPerSecond > 0 && ft.samples ? { config: ft.samples.config, imagesPerSec: ft.imagesPerSecond } : measuredRate ? { config: modelConfig, imagesPerSec: measuredRate } : null;
  const estimate = (o: ScratchOption) => (measured ? (measured.imagesPerSec * flopsPerImage(measured.config)) / o.flopsPerImage : null);
  const option = options?.find((o) => o.size === size) ?? null;
  const uploads = ft.uploads.filter((u) => u.ok && u.selected).length;
  return (
    <section className="panel" data-testid="scratch">
      <h3>Train from scratch</h3>
      <p className="explain">
        A new model with random weights, trained here on {dataset === 'mnist' ? 'binarised MNIST digits' : 'Emoji-32 images'} or on your uploads. It is saved under the
        name above, with the steps, batch and learning rate above.
      </p>
      <label className="field">
        <span className="label">Architecture</span>
        <select value={arch} onChange={(e) => setArch(e.target.value as ModelConfig['arch'])} disabled={busy} data-testid="scratch-arch">
          {ARCHS.filter((a) => a.id !== 'multiscale').map((a) => (
            <option key={a.id} value={a.id}>
              {a.title}
            </option>
          ))}
        </select>
      </label>
      {options === null ? (
        <p className="hint">Counting parameters…</p>
      ) : (
        <div className="row" role="radiogroup" aria-label="Model size">
          {options.map((o) => {
            const est = estimate(o);
            return (
              <label key={o.size} className="field choice" data-testid={`scratch-size-${o.size}`} data-params={o.params}>
                <span>
                  <input type="radio" name="scratch-size" checked={size === o.size} onChange={() => setSize(o.size)} disabled={busy} /> <strong>{o.size}</strong>
                </span>
                <span className="hint">
                  {o.params.toLocaleString('en-US')} parameters · {o.config.layers} layers of {o.config.hidden} · {est ? `≈ ${est < 10 ? est.toFixed(1) : Math.round(est)} images/s here` : `${(o.flopsPerImage / 1e6).toFixed(0)} MFLOP per image`}
                </span>
              </label>
            );
          })}
        </div>
      )}
      <div className="row" role="radiogroup" aria-label="Images to train on">
        <label className="field choice">
          <span>
            <input type="radio" name="scratch-data" checked={data === 'builtin'} onChange={() => setData('builtin')} disabled={busy} data-testid="scratch-builtin" /> the first{' '}
            <select value={count} onChange={(e) => setCount(Number(e.target.value))} disabled={busy} data-testid="scratch-count">
              {BUILTIN_COUNTS.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>{' '}
            images of the {dataset === 'mnist' ? 'MNIST' : 'Emoji-32'} training split
          </span>
        </label>
        <label className="field choice">
          <span>
            <input type="radio" name="scratch-data" checked={data === 'uploads'} onChange={() => setData('uploads')} disabled={busy} data-testid="scratch-uploads" /> your {uploads} uploaded
            images
          </span>
        </label>
      </div>
      <div className="buttons">
        <button className="primary" disabled={busy || !option || !!why} title={why ?? ''} onClick={() => option && void startFromScratch({ option, data, count })} data-testid="scratch-train">
          Train a {size} model from scratch
        </button>
      </div>
      {why && !busy && <p className="hint">{why}</p>}
    </section>
  );
}
