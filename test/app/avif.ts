/**
 * A minimal AVIF file (HEIF still image: one `av01` item) around an AV1 key frame, so tests need no
 * binary fixtures: the unit tests read its header, and the e2e specs wrap a frame that Chromium's own
 * AV1 encoder (WebCodecs) made and upload it. Boxes as in ISO/IEC 23008-12 and the AVIF specification.
 */

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

function box(type: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...be32(8 + body.length), ...text(type), ...body];
}
const fullBox = (type: string, version: number, flags: number, ...payload: number[][]) => box(type, [version, (flags >> 16) & 255, (flags >> 8) & 255, flags & 255], ...payload);

export interface AvifParts {
  width: number;
  height: number;
  /** The av1C box's payload (4 bytes, then optional config OBUs): WebCodecs' decoderConfig.description. */
  av1C: Uint8Array;
  /** The key frame's OBUs. */
  frame: Uint8Array;
  /** Extra properties listed before the primary item's `ispe` (e.g. another item's ispe), to test lookup. */
  extraIspe?: { width: number; height: number };
}

/** The av1C payload for 8-bit 4:2:0 AV1 of `profile` and `level` without config OBUs. */
export function av1CFor(profile = 0, level = 0): Uint8Array {
  return Uint8Array.from([0x81, (profile << 5) | level, 0x0c, 0]);
}

export function avifFile(p: AvifParts): Uint8Array {
  const ftyp = box('ftyp', text('avif'), be32(0), text('avif'), text('mif1'), text('miaf'));
  const ispe = (w: number, h: number) => fullBox('ispe', 0, 0, be32(w), be32(h));
  const props = [...(p.extraIspe ? [ispe(p.extraIspe.width, p.extraIspe.height)] : []), ispe(p.width, p.height), box('av1C', [...p.av1C]), fullBox('pixi', 0, 0, [3, 8, 8, 8])];
  const first = p.extraIspe ? 2 : 1; // 1-based index of the primary item's ispe
  const ipma = fullBox('ipma', 0, 0, be32(1), be16(1), [3], [first, 0x80 | (first + 1), first + 2]);
  const meta = (mdatOffset: number) =>
    fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, be32(0), text('pict'), be32(0), be32(0), be32(0), [0]),
      fullBox('pitm', 0, 0, be16(1)),
      fullBox('iloc', 0, 0, [0x44, 0x00], be16(1), be16(1), be16(0), be16(1), be32(mdatOffset), be32(p.frame.length)),
      fullBox('iinf', 0, 0, be16(1), fullBox('infe', 2, 0, be16(1), be16(0), text('av01'), [0])),
      box('iprp', box('ipco', ...props), ipma),
    );
  const metaLength = meta(0).length;
  const mdatOffset = ftyp.length + metaLength + 8;
  return Uint8Array.from([...ftyp, ...meta(mdatOffset), ...box('mdat', [...p.frame])]);
}
