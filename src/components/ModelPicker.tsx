import { ARCHS, DATASETS, bestModel, byDatasetArch, type ModelEntry } from '../store/registry';
import { selectModel, setArch, setDataset } from '../store/actions/app';
import { useApp } from '../store/store';
import { cardScore, codecFigures, type CardScore, type ModelCard } from '../core/io/card';

/** Dataset × architecture, then which weights (shipped, saved in this browser: fine-tuned, trained or imported here, untrained), with load progress. */
export function ModelPicker() {
  const registry = useApp((s) => s.registry);
  const dataset = useApp((s) => s.dataset);
  const modelId = useApp((s) => s.modelId);
  const model = useApp((s) => s.model);
  const entry = registry.models.find((m) => m.id === modelId);
  const arch = entry?.arch ?? 'pixelcnn';
  const versions = byDatasetArch(registry.models, dataset, arch);
  const best = bestModel(registry.models, dataset);
  const score = (m: ModelEntry | undefined) =>
    m?.test ? (m.test.bitsPerDim !== null ? `${m.test.bitsPerDim.toFixed(3)} bits/dim` : `${m.test.nll!.toFixed(2)} nats`) : null;

  return (
    <section className="panel picker" aria-label="Model">
      <div className="row">
        <div className="field">
          <span className="label">Dataset</span>
          <div className="seg" role="group" aria-label="Dataset">
            {DATASETS.map((d) => (
              <button key={d.id} className={d.id === dataset ? 'on' : ''} aria-pressed={d.id === dataset} title={d.blurb} data-testid={`dataset-${d.id}`} onClick={() => setDataset(d.id)}>
                {d.title}
              </button>
            ))}
          </div>
        </div>
        <div className="field">
          <span className="label">Model</span>
          <div className="seg" role="group" aria-label="Architecture">
            {ARCHS.map((a) => {
              const versions = byDatasetArch(registry.models, dataset, a.id);
              const shipped = versions.find((m) => m.kind === 'shipped');
              const figure = score(shipped);
              return (
                <button
                  key={a.id}
                  className={a.id === arch ? 'on' : ''}
                  aria-pressed={a.id === arch}
                  disabled={versions.length === 0}
                  title={`${a.blurb}${figure ? `. Shipped model: ${figure} on the test set` : ''}`}
                  data-testid={`arch-${a.id}`}
                  data-best={shipped && shipped.id === best?.id ? '1' : '0'}
                  onClick={() => setArch(a.id)}
                >
                  {a.title}
                  {shipped && shipped.id === best?.id && <small className="best"> ★ best</small>}
                </button>
              );
            })}
          </div>
        </div>
        <label className="field">
          <span className="label">Weights</span>
          <select value={modelId ?? ''} onChange={(e) => void selectModel(e.target.value)} data-testid="model-select">
            {versions.map((m) => (
              <option key={m.id} value={m.id}>
                {m.kind === 'shipped' ? `${m.title} (shipped${score(m) ? `, test ${score(m)}` : ''})` : m.kind === 'local' ? `${m.title} (saved in this browser)` : m.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="model-status" data-testid="model-status" data-status={model.status} data-model={model.id ?? ''}>
        {model.status === 'loading' && (
          <span>
            Loading the model… <progress value={model.progress} max={1} data-testid="model-progress" /> {Math.round(model.progress * 100)}%
            {model.note && <span data-testid="model-note"> · {model.note}</span>}
          </span>
        )}
        {model.status === 'error' && <span className="error">{model.error}</span>}
        {model.status === 'ready' && model.config && model.small && (
          <span>
            Multi-Scale PixelRNN: a {model.small.config.height}×{model.small.config.width} {ARCHS.find((a) => a.id === model.small!.config.arch)?.title} ({(model.small.params / 1000).toFixed(1)}k
            parameters) draws a small image, then a {model.config.height}×{model.config.width} {ARCHS.find((a) => a.id === model.config!.arch)?.title} ({(model.params / 1000).toFixed(1)}k
            parameters) draws the large image given it.{' '}
            <CardFigures card={model.card} />
          </span>
        )}
        {model.status === 'ready' && model.config && !model.small && (
          <span>
            {ARCHS.find((a) => a.id === model.config!.arch)?.blurb}. {model.config.height}×{model.config.width}
            {model.config.channels === 3 ? ' RGB' : model.config.output === 'binary' ? ' binary' : ' grey'}, {model.config.layers} layers, {(model.params / 1000).toFixed(1)}k parameters.{' '}
            <CardFigures card={model.card} />
          </span>
        )}
      </div>
      {registry.warnings.map((w) => (
        <div key={w} className="hint">
          {w}
        </div>
      ))}
    </section>
  );
}

/** What the loaded model's own card says of its quality: never a base model's figure for a fine-tune. */
export function describeScore(score: CardScore): string {
  switch (score.kind) {
    case 'test': {
      const figure = (nll: number | null, bitsPerDim: number | null) => {
        const bits = bitsPerDim !== null ? `${bitsPerDim.toFixed(3)} bits/dim` : null;
        return nll === null ? bits! : `${nll.toFixed(2)} nats/image${bits ? ` (${bits})` : ''}`;
      };
      const plain = figure(score.nll, score.bitsPerDim);
      if (score.givenClass)
        return `Test NLL ${plain} drawing any class; ${figure(score.givenClass.nll, score.givenClass.bitsPerDim)} given each image's class.`;
      return score.nll === null ? `Test ${plain}.` : `Test NLL ${plain}.`;
    }
    case 'heldOut':
      return `Fine-tuned from ${score.baseTitle}: ${score.bitsPerDim.toFixed(3)} bits/dim on ${score.images ?? 'its'} held-out image${score.images === 1 ? '' : 's'} of your upload${score.step !== null ? ` (step ${score.step})` : ''}. It has no test figure of its own.`;
    case 'fineTuned':
      return `Fine-tuned from ${score.baseTitle}; not measured yet.`;
    case 'untrained':
      return 'Untrained: samples are noise until you fine-tune it.';
    case 'none':
      return 'No test NLL on its card.';
  }
}

/** The card's figure for the model, and beside a test figure the lossless codecs on the same images: what its bits/dim would beat or not. */
function CardFigures({ card }: { card: ModelCard }) {
  const score = cardScore(card);
  const f = score.kind === 'test' ? codecFigures(card) : null;
  return (
    <>
      <span data-testid="model-nll" data-kind={score.kind}>
        {describeScore(score)}
      </span>
      {f && (
        <span data-testid="model-codecs">
          {' '}
          On the same {f.images ? `${f.images} ` : ''}test images: {f.codecs.map((c) => `${c.name} ${c.bitsPerDim.toFixed(3)}`).join(', ')} bits/dim.
        </span>
      )}
    </>
  );
}
