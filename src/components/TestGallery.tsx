import { useEffect, useState } from 'react';
import type { ModelConfig } from '../core/index';
import { testImages } from '../store/actions/inpaint';
import { ImageGrid } from './ImageGrid';

/**
 * The first test images of the loaded model's dataset as buttons, for the tabs that start from a picture
 * (Inpaint, Compress). `testId` prefixes the gallery's and each button's test id.
 */
export function TestGallery({ config, onPick, testId }: { config: ModelConfig; onPick: (image: Uint8Array, name: string) => void; testId: string }) {
  const [gallery, setGallery] = useState<{ status: 'loading' | 'ready' | 'error'; images: Uint8Array[]; error?: string }>({ status: 'loading', images: [] });
  useEffect(() => {
    let live = true;
    setGallery({ status: 'loading', images: [] });
    testImages().then(
      (images) => live && setGallery({ status: 'ready', images }),
      (e: Error) => live && setGallery({ status: 'error', images: [], error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [config]);
  return (
    <div className="field">
      <span className="label">Test images</span>
      <div className="gallery" data-testid={testId} data-status={gallery.status}>
        {gallery.status === 'loading' && <span className="hint">loading…</span>}
        {gallery.status === 'error' && <span className="hint">No test images for this dataset ({gallery.error}).</span>}
        {gallery.images.map((img, i) => (
          <button key={i} className="thumb" onClick={() => onPick(img, `test image ${i + 1}`)} data-testid={`${testId}-${i}`} aria-label={`Test image ${i + 1}`}>
            <ImageGrid images={img} count={1} config={config} zoom={Math.max(2, Math.floor(48 / config.width))} label={`Test image ${i + 1}`} />
          </button>
        ))}
      </div>
    </div>
  );
}
