/**
 * The decoding worker: uploaded file → the model's input pixels, off the page's thread. A thin
 * dispatcher: the work is in src/canvas/decodeImage.ts.
 */
import { decodeImage } from '../canvas/decodeImage';
import type { DecoderApi } from './protocol';
import { serve, withTransfer } from './rpc';

serve<DecoderApi>({
  async decode({ file, name, shape }) {
    const out = await decodeImage(file, name, shape);
    return out.ok ? withTransfer(out, [out.pixels.buffer as ArrayBuffer]) : out;
  },
});
