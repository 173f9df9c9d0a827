import { useEffect, useState } from 'react';
import {
  cancelCompress,
  cancelDecode,
  compressImage,
  downloadPrnn,
  loadFileModelAndDecode,
  pickCompressImage,
  pickSurprisePixel,
  restoreFile,
  uploadCompressImage,
} from '../store/actions/compress';
import type { ModelConfig } from '../core/models/config';
import type { CompressState } from '../store/compressState';
import { useApp } from '../store/store';
import { ImageGrid } from './ImageGrid';
import { TestGallery } from './TestGallery';
import { SurpriseMap } from './SurpriseMap';

const bitsPerDim = (bytes: number, dims: number) => ((8 * bytes) / dims).toFixed(3);
/** A decoded file of several pictures shows this many at most (one canvas; the rest are decoded and checked too). */
const SHOW_AT_MOST = 256;

/** A picture → a .prnn file holding it in about its negative log-likelihood; a .prnn file → the picture. */
export function CompressTab() {
  const model = useApp((s) => s.model);
  const compress = useApp((s) => s.compress);
  const config = model.config;

  // Another model loaded: the picture on the page is coded again with it (its map and size are the new model's).
  const stale = model.status === 'ready' && compress.encode.result !== null && compress.encode.result.modelId !== model.id && compress.encode.status !== 'running';
  const fitsModel = !!config && compress.source?.length === config.height * config.width * config.channels;
  useEffect(() => {
    if (stale && fitsModel) void compressImage();
  }, [stale, fitsModel]);

  if (!config) return <div className="placeholder">Waiting for the model…</div>;
  if (config.condition)
    return (
      <div className="tab-body">
        <p className="panel notice" data-testid="compress-unsupported">
          Compressing with the Multi-Scale PixelRNN is not supported yet: a file would code the small image with one model, then the large image given it with the other.
          Pick another model to compress.
        </p>
      </div>
    );
  const zoom = Math.max(4, Math.floor(192 / config.width));
  const fits = compress.source !== null && compress.source.length === config.height * config.width * config.channels;

  return (
    <div className="tab-body">
      <section className="panel">
        <p className="explain">
          A model's negative log-likelihood is the number of bits it needs to store a picture. Here those bits are written: each sub-pixel, in the sampler's order, is
          coded with the model's probabilities given all earlier ones (rANS entropy coding), into a <code>.prnn</code> file that decodes to exactly the same pixels,
          with the same model (PixelCNNs: on any backend; the other models: on the same backend).
        </p>
        <div className="row">
          <TestGallery config={config} onPick={pickCompressImage} testId="compress-gallery" />
          <label className="field">
            <span className="label">…or your own picture</span>
            <input
              type="file"
              accept="image/png,image/jpeg,image/webp,image/gif,image/avif"
              data-testid="compress-upload"
              onChange={(e) => e.target.files?.[0] && void uploadCompressImage(e.target.files[0])}
            />
            <span className="hint">
              Centre-cropped and resized to {config.width}×{config.height}
              {config.output === 'binary' ? ', then made black and white' : ''}, as in Inpaint; it never leaves this browser.
            </span>
          </label>
        </div>
        {compress.source && !fits && (
          <p className="hint" data-testid="compress-refit">
            The picture on the page ({compress.sourceName}) has another size than this model's {config.width}×{config.height}
            {config.output === 'binary' ? ' black-and-white' : ''} pictures: pick it again.
          </p>
        )}
        {compress.message && (
          <p className="error" data-testid="compress-message">
            {compress.message}
          </p>
        )}
      </section>

      {compress.source && fits && (
        <EncodePanel compress={compress} config={config} zoom={zoom} modelReady={model.status === 'ready'} modelId={model.id} />
      )}

      <DecodePanel compress={compress} zoom={zoom} />
    </div>
  );
}

interface EncodeProps {
  compress: CompressState;
  config: ModelConfig;
  zoom: number;
  modelReady: boolean;
  modelId: string | null;
}

/** The picture, its surprise map, and its size as .prnn, model NLL, PNG and WebP; Download and Cancel. */
function EncodePanel({ compress, config, zoom, modelReady, modelId }: EncodeProps) {
  const { encode, baselines } = compress;
  const dims = config.height * config.width * config.channels;
  const result = encode.result;
  const stale = result && result.modelId !== modelId;
  return (
    <section className="panel" data-testid="compress-result" data-status={encode.status}>
      <div className="row">
        <div className="field">
          <span className="label">{compress.sourceName}</span>
          <ImageGrid images={compress.source!} count={1} config={config} zoom={zoom} label={`The picture: ${compress.sourceName}`} testId="compress-source" />
        </div>
        {result && (
          <div className="field">
            <span className="label">Surprise map</span>
            <SurpriseMap modelBits={result.modelBits} config={result.config} picked={compress.picked} onPick={pickSurprisePixel} zoom={zoom} />
          </div>
        )}
        <div className="field">
          <span className="label">Size of this {config.width}×{config.height} picture</span>
          {encode.status === 'running' && (
            <div className="progress" data-testid="compress-progress">
              <progress value={encode.progress.done} max={encode.progress.total || 1} />
              <span>
                {encode.progress.note ?? `coding ${encode.progress.done}/${encode.progress.total} sub-pixels…`}
              </span>
              <button onClick={cancelCompress} data-testid="compress-cancel">
                Cancel
              </button>
            </div>
          )}
          <table className="sizes" data-testid="compress-sizes">
            <thead>
              <tr>
                <th>format</th>
                <th>bytes</th>
                <th>bits/dim</th>
              </tr>
            </thead>
            <tbody>
              <tr data-testid="size-prnn" data-bytes={result?.file.length}>
                <td>
                  <strong>.prnn</strong> ({result?.modelId ?? modelId})
                </td>
                <td>{result ? result.file.length : '…'}</td>
                <td>{result ? bitsPerDim(result.file.length, dims) : '…'}</td>
              </tr>
              <tr data-testid="size-nll" data-bits={result?.nllBits}>
                <td className="sub">model NLL (the ideal)</td>
                <td>{result ? (result.nllBits / 8).toFixed(1) : '…'}</td>
                <td>{result ? (result.nllBits / dims).toFixed(3) : '…'}</td>
              </tr>
              <tr data-testid="size-png" data-bytes={baselines?.png ?? undefined} title={baselines?.pngNote}>
                <td>PNG</td>
                <td>{baselines ? (baselines.png ?? '—') : '…'}</td>
                <td>{baselines?.png ? bitsPerDim(baselines.png, dims) : baselines ? '—' : '…'}</td>
              </tr>
              <tr data-testid="size-webp" data-bytes={baselines?.webp ?? undefined} title={baselines?.webpNote}>
                <td>WebP lossless</td>
                <td>{baselines ? (baselines.webp ?? '—') : '…'}</td>
                <td>{baselines?.webp ? bitsPerDim(baselines.webp, dims) : baselines ? '—' : '…'}</td>
              </tr>
            </tbody>
          </table>
          {baselines && baselines.webp === null && (
            <p className="hint" data-testid="webp-note">
              WebP: {baselines.webpNote}
            </p>
          )}
          {result && (
            <p className="hint" data-testid="compress-detail">
              {result.headerBytes} bytes of header (model id, weights fingerprint, size, backend, checksums) + {result.payloadBytes} of coded data;{' '}
              {result.backend === 'js' ? (
                <>
                  coded by the portable JavaScript evaluator in {(result.ms / 1000).toFixed(2)} s. Decodes only with this model's exact weights, on any backend
                  and in any browser (or with npm run codec).
                </>
              ) : (
                <>
                  coded on {result.backend} in {(result.ms / 1000).toFixed(2)} s. Decodes only with this model's exact weights on {result.backend}.
                </>
              )}
              {baselines && <> PNG: {baselines.pngNote}; WebP: {baselines.webpNote}.</>}
            </p>
          )}
          {stale && <p className="hint">Coded with another model than the one loaded now: compress again to code it with this one.</p>}
          {encode.status === 'refused' || encode.status === 'error' ? (
            <p className="error" data-testid="compress-error">
              {encode.error}
            </p>
          ) : null}
          {encode.status === 'cancelled' && <p className="hint">Cancelled.</p>}
          <div className="buttons">
            <button className="primary" onClick={downloadPrnn} disabled={!result} data-testid="compress-download">
              Download .prnn
            </button>
            {(encode.status !== 'running' && (stale || encode.status !== 'done')) && (
              <button onClick={() => void compressImage()} disabled={!modelReady} data-testid="compress-run">
                Compress
              </button>
            )}
          </div>
        </div>
      </div>
    </section>
  );
}

/** Drop or pick a .prnn file: the decoded picture and its verdict, or the codec's refusal. */
function DecodePanel({ compress, zoom }: { compress: CompressState; zoom: number }) {
  const { decode } = compress;
  // A file of another model this page has: offer to load that model (not for other weights under the same id).
  const known = useApp((s) => s.model.id !== decode.fileModel && s.registry.models.some((m) => m.id === decode.fileModel));
  const [over, setOver] = useState(false);
  const take = (file: File | undefined) => file && void restoreFile(file, file.name || 'unnamed file');
  return (
    <section className="panel" data-testid="decode-panel" data-status={decode.status} data-file={decode.fileName ?? undefined}>
      <div className="row">
        <label
          className={`field dropzone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            take(e.dataTransfer.files[0]);
          }}
          data-testid="prnn-drop"
        >
          <span className="label">Decode a .prnn file</span>
          <input type="file" accept=".prnn,application/octet-stream" data-testid="prnn-upload" onChange={(e) => take(e.target.files?.[0])} />
          <span className="hint">
            Drop a file here or pick one. It decodes with the model loaded now, on the backend the file was made on (a file of the portable JavaScript evaluator, on any).
            A file of several pictures (<code>npm run codec -- encode a.png b.png … all.prnn</code>) decodes them all.
          </span>
        </label>
        <div className="field">
          {decode.fileName && (
            <span className="label">
              {decode.fileName} ({decode.fileBytes} bytes)
            </span>
          )}
          {decode.status === 'running' && (
            <div className="progress" data-testid="decode-progress">
              <progress value={decode.progress.done} max={decode.progress.total || 1} />
              <span>
                {decode.progress.note ?? `decoding ${decode.progress.done}/${decode.progress.total} sub-pixels (one at a time: each needs all before it)…`}
              </span>
              <button onClick={cancelDecode} data-testid="decode-cancel">
                Cancel
              </button>
            </div>
          )}
          {decode.status === 'done' && decode.image && decode.config && decode.count <= 1 && (
            <div className="decoded">
              <ImageGrid images={decode.image} count={1} config={decode.config} zoom={zoom} label="The decoded picture" testId="decoded-image" />
              <p className="ok" data-testid="decode-verdict">
                ✓ Matches: decoded in {(decode.ms / 1000).toFixed(2)} s {decode.backend === 'js' ? 'by the portable JavaScript evaluator' : `on ${decode.backend}`}, and its
                pixels match the checksum recorded in the file.
                {decode.sameAsSource === true && ' They are identical to the picture compressed above.'}
                {decode.sameAsSource === false && ' (A different picture from the one compressed above.)'}
              </p>
            </div>
          )}
          {decode.status === 'done' && decode.image && decode.config && decode.count > 1 && (
            <div className="decoded">
              <ImageGrid
                images={decode.image.subarray(0, Math.min(decode.count, SHOW_AT_MOST) * decode.config.height * decode.config.width * decode.config.channels)}
                count={Math.min(decode.count, SHOW_AT_MOST)}
                config={decode.config}
                zoom={Math.max(3, Math.floor(zoom / 2))}
                maxCols={16}
                label={`The ${decode.count} decoded pictures`}
                testId="decoded-image"
              />
              <p className="ok" data-testid="decode-verdict" data-count={decode.count}>
                ✓ Matches: {decode.count} pictures decoded in {(decode.ms / 1000).toFixed(2)} s{' '}
                {decode.backend === 'js' ? 'by the portable JavaScript evaluator' : `on ${decode.backend}`}, and each one's pixels match the checksum recorded for it in the
                file.
                {decode.count > SHOW_AT_MOST && ` The first ${SHOW_AT_MOST} are shown.`}
                {decode.sameAsSource === true && ' One of them is identical to the picture compressed above.'}
              </p>
            </div>
          )}
          {decode.status === 'done' && decode.truncated && (
            <p className="error" role="alert" data-testid="decode-truncated" data-total={decode.truncated.total}>
              Only part of this file arrived. {decode.truncated.message}.{' '}
              {decode.count < decode.truncated.total
                ? `Shown: the ${decode.count === 1 ? 'one picture' : `${decode.count} pictures`} stored whole before the cut, each checked against its own checksum; the other ${decode.truncated.total - decode.count} of its ${decode.truncated.total} are lost with the missing bytes.`
                : 'Every picture was stored whole before the cut and each matches its own checksum; only the closing checksum of the file is missing.'}
            </p>
          )}
          {decode.status === 'refused' && decode.refusal && (
            <p className="error refusal" data-testid="decode-refusal" data-kind={decode.refusal.kind}>
              Refused: {decode.refusal.message}
            </p>
          )}
          {decode.status === 'refused' && decode.refusal?.kind === 'model' && decode.fileModel && known && (
            <button onClick={() => void loadFileModelAndDecode()} data-testid="decode-load-model">
              Load {decode.fileModel} and decode
            </button>
          )}
          {decode.status === 'error' && (
            <p className="error" data-testid="decode-error">
              {decode.error}
            </p>
          )}
          {decode.status === 'cancelled' && <p className="hint">Cancelled.</p>}
        </div>
      </div>
    </section>
  );
}
