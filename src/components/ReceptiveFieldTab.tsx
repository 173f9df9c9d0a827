import { useEffect, useMemo } from 'react';
import { useApp } from '../store/store';
import { chooseFieldModel, computeField, pickFieldImage, resetField, setFieldChannel, setFieldShow } from '../store/actions/rfield';
import { fieldModels } from '../store/rfieldState';
import { FieldLegend, FieldMap } from './FieldMap';
import { ImageGrid } from './ImageGrid';
import { TestGallery } from './TestGallery';

const CH = ['R', 'G', 'B'];
const COLOUR_NAMES = ['red', 'green', 'blue'];

/** What each architecture's field should look like, under its panel. */
const EXPECT: Record<string, string> = {
  pixelcnn: 'A cone above the pixel, bounded by the depth, with a blind spot above-right that no stack of masked convolutions reaches.',
  rowlstm: 'A triangle above the pixel, widening upwards; the far left and right of the rows above and of its own row are missed.',
  diagonal: 'Every earlier pixel: the whole context, except the last pixels of the row above beyond the first kernel (SPEC.md §3).',
  gated: 'The vertical stack sees the rows above, the horizontal stack the row to the left: a field without the blind spot.',
};

/**
 * The Receptive field tab: pick a picture and a pixel (and a colour); see, for each architecture side by side,
 * which earlier sub-pixels the pixel's probability depends on and how strongly.
 */
export function ReceptiveFieldTab() {
  const model = useApp((s) => s.model);
  const rfield = useApp((s) => s.rfield);
  const registry = useApp((s) => s.registry);
  const dataset = useApp((s) => s.dataset);
  const modelId = useApp((s) => s.modelId);
  const sample = useApp((s) => s.sample);
  const config = model.config;
  const choices = useMemo(() => fieldModels(registry.models, dataset, modelId, rfield.chosen), [registry.models, dataset, modelId, rfield.chosen]);

  // A picture of another shape than the loaded model's (another dataset) is dropped.
  const shape = config ? { height: config.height, width: config.width, channels: config.channels, output: config.output } : null;
  const fits = !!shape && !!rfield.shape && rfield.shape.height === shape.height && rfield.shape.width === shape.width && rfield.shape.channels === shape.channels && rfield.shape.output === shape.output;
  useEffect(() => {
    if (rfield.image && shape && !fits) resetField();
  }, [rfield.image, fits, shape]);

  if (!config || !shape) return <div className="placeholder">Waiting for the model…</div>;
  if (config.condition)
    return (
      <div className="tab-body">
        <p className="panel notice" data-testid="rfield-unsupported">
          The explorer compares the four single-scale architectures; Emoji-64 has only Multi-Scale PixelRNN pairs. Pick MNIST or Emoji-32.
        </p>
      </div>
    );
  const C = config.channels;
  const zoom = Math.max(4, Math.floor(224 / config.width));
  const panelZoom = Math.max(3, Math.floor(200 / config.width));
  const samplesFit = sample.images && sample.config && sample.status !== 'running' && sample.config.height === shape.height && sample.config.width === shape.width && sample.config.channels === shape.channels && sample.config.output === shape.output;
  const n = shape.height * shape.width * shape.channels;
  const at = rfield.at;

  return (
    <div className="tab-body">
      <section className="panel">
        <p className="explain" data-testid="rfield-explain">
          Each model predicts a sub-pixel from the sub-pixels before it. Pick a pixel (and a colour): each heatmap shows, for every earlier pixel, how strongly the
          chosen sub-pixel's log-probability (of the value it has) depends on it, as the size of its gradient; bright is strong. Grey pixels cannot influence it at
          all, whatever their values: what is coloured is the model's receptive field, here for the four architectures side by side.
        </p>
        <div className="row">
          <TestGallery config={config} onPick={(img, name) => pickFieldImage(img, name, shape)} testId="rfield-gallery" />
          {samplesFit && (
            <div className="field">
              <span className="label">…or a sample</span>
              <div className="gallery" data-testid="rfield-samples">
                {Array.from({ length: sample.count }, (_, i) => {
                  const img = sample.images!.subarray(i * n, (i + 1) * n);
                  return (
                    <button key={i} className="thumb" onClick={() => pickFieldImage(img.slice(), `sample ${i + 1}`, shape)} data-testid={`rfield-sample-${i}`} aria-label={`Sample ${i + 1}`}>
                      <ImageGrid images={img} count={1} config={config} zoom={Math.max(2, Math.floor(48 / config.width))} label={`Sample ${i + 1}`} />
                    </button>
                  );
                })}
              </div>
            </div>
          )}
        </div>
      </section>

      {!rfield.image || !fits ? (
        <p className="placeholder" data-testid="rfield-pick-image">
          Pick a test image{samplesFit ? ' or a sample' : ''} above.
        </p>
      ) : (
        <section className="panel">
          <div className="row">
            <div className="field">
              <span className="label">
                {rfield.imageName}: click a pixel
              </span>
              <ImageGrid
                images={rfield.image}
                count={1}
                config={config}
                zoom={zoom}
                selected={at ? { index: 0, row: at.row, col: at.col } : null}
                onPick={(hit) => void computeField(hit.row, hit.col)}
                testId="rfield-image"
                label="The picture"
              />
              <span className="hint">or Tab to it, move with the arrow keys and press Enter</span>
            </div>
            <div className="field">
              {C === 3 && (
                <fieldset className="field-choice" data-testid="rfield-channel">
                  <legend className="label">Colour of the pixel</legend>
                  {CH.map((name, c) => (
                    <label key={name}>
                      <input type="radio" name="rfield-channel" checked={rfield.channel === c} onChange={() => setFieldChannel(c)} data-testid={`rfield-channel-${name}`} />{' '}
                      {name} <span className="hint">({COLOUR_NAMES[c]})</span>
                    </label>
                  ))}
                </fieldset>
              )}
              {C === 3 && (
                <label className="field">
                  <span className="label">Heatmaps show</span>
                  <select value={rfield.show ?? 'max'} onChange={(e) => setFieldShow(e.target.value === 'max' ? null : Number(e.target.value))} data-testid="rfield-show">
                    <option value="max">each pixel's strongest colour</option>
                    {CH.map((name, c) => (
                      <option key={name} value={c}>
                        the input's {COLOUR_NAMES[c]} only
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <p className="hint" data-testid="rfield-status" data-status={rfield.status}>
                {at
                  ? `${rfield.status === 'running' ? 'Computing' : 'Field of'} pixel (${at.row}, ${at.col})${C === 3 ? ` ${CH[at.channel]}` : ''}${
                      rfield.status === 'running' ? `: ${rfield.panels.filter((p) => p.status === 'done' || p.status === 'error').length} of ${rfield.panels.filter((p) => p.modelId).length} models…` : ''
                    }`
                  : 'No pixel picked yet.'}
              </p>
              {rfield.status === 'running' && (
                <progress
                  value={rfield.panels.reduce((a, p) => a + (p.status === 'done' || p.status === 'error' ? 1 : p.status === 'computing' ? 0.5 : p.fraction * 0.5), 0)}
                  max={Math.max(1, rfield.panels.filter((p) => p.modelId).length)}
                  aria-label="Models computed"
                  data-testid="rfield-progress"
                />
              )}
              {rfield.error && (
                <p className="error" data-testid="rfield-error">
                  {rfield.error}
                </p>
              )}
            </div>
          </div>
          <FieldLegend />
          <div className="field-panels" data-testid="rfield-panels">
            {choices.map((choice, i) => {
              const p = rfield.panels[i];
              const result = p?.status === 'done' ? p.result : null;
              return (
                <figure key={choice.arch} className="field-panel" data-testid={`rfield-panel-${choice.arch}`} data-status={p?.status ?? 'idle'} data-model={p?.modelId ?? choice.entry?.id ?? ''}>
                  <figcaption>
                    <strong>{choice.title}</strong>
                    {choice.options.length > 1 ? (
                      <select
                        value={choice.entry?.id}
                        onChange={(e) => chooseFieldModel(choice.arch, e.target.value)}
                        aria-label={`${choice.title} model`}
                        data-testid={`rfield-model-${choice.arch}`}
                      >
                        {choice.options.map((m) => (
                          <option key={m.id} value={m.id}>
                            {m.title}
                            {m.kind === 'local' ? ' (saved in this browser)' : ''}
                          </option>
                        ))}
                      </select>
                    ) : (
                      choice.entry && <span className="hint">{choice.entry.title}</span>
                    )}
                  </figcaption>
                  {choice.note && (
                    <p className="hint warn" data-testid={`rfield-note-${choice.arch}`}>
                      {choice.note}
                    </p>
                  )}
                  {result && at ? (
                    <>
                      <FieldMap
                        magnitude={result.magnitude}
                        height={config.height}
                        width={config.width}
                        channels={C}
                        at={at}
                        show={rfield.show}
                        zoom={panelZoom}
                        label={`${choice.title} field of pixel (${at.row}, ${at.col})`}
                        testId={`rfield-map-${choice.arch}`}
                      />
                      <p className="hint">
                        log p = {result.logProb.toFixed(2)} nats · {result.ms.toFixed(0)} ms on {result.backend}
                      </p>
                    </>
                  ) : p?.status === 'error' ? (
                    <p className="error" data-testid={`rfield-panel-error-${choice.arch}`}>
                      {p.error}
                    </p>
                  ) : p && (p.status === 'loading' || p.status === 'computing') ? (
                    <p className="hint">{p.status === 'loading' ? `loading the model… ${Math.round(p.fraction * 100)}%` : 'computing the gradient…'}</p>
                  ) : p?.status === 'idle' && rfield.status === 'running' ? (
                    <p className="hint">waiting…</p>
                  ) : null}
                  <p className="hint expect">{EXPECT[choice.arch]}</p>
                </figure>
              );
            })}
          </div>
        </section>
      )}
    </div>
  );
}
