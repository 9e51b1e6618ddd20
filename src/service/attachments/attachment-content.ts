/**
 * What an uploaded file really is, from its bytes (magic numbers via file-type): the client's
 * declared type and file name are not trusted. Images are decoded and re-encoded by sharp: EXIF
 * orientation applied to the pixels, the longer edge capped, and every metadata block (EXIF with
 * GPS, XMP, IPTC) dropped — sharp writes none unless asked to.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { AppError } from '../../kernel/errors.js';

/** Accepted types and the extension a stored file's name gets. */
export const ACCEPTED_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
});

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

export interface PreparedContent {
  readonly data: Buffer;
  readonly contentType: string;
  readonly sha256: string;
  readonly width: number | null;
  readonly height: number | null;
}

/** Detects the type from the content and prepares what is stored; UNSUPPORTED_MEDIA_TYPE otherwise. */
export async function prepareContent(data: Buffer, maxEdge: number): Promise<PreparedContent> {
  const detected = await fileTypeFromBuffer(data);
  const type = detected?.mime;
  if (!type || !(type in ACCEPTED_TYPES)) {
    const named = type ?? 'unknown (not a recognised binary format)';
    // HEIC needs an HEVC decoder that sharp's prebuilt libvips does not ship: it could be neither
    // downscaled nor stripped of its location, so it is refused like any other type.
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Files of type ${named} are not accepted; send JPEG, PNG, WebP or PDF`, {
      detectedType: type ?? null,
      accepted: Object.keys(ACCEPTED_TYPES),
    });
  }
  if (!IMAGE_TYPES.has(type)) return { data, contentType: type, sha256: sha256(data), width: null, height: null };
  const image = await processImage(data, type, maxEdge);
  return { ...image, contentType: type, sha256: sha256(image.data) };
}

async function processImage(data: Buffer, type: string, maxEdge: number): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    // rotate() without an angle applies the EXIF orientation and clears it.
    const pipeline = sharp(data, { failOn: 'error' }).rotate().resize({ width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true });
    const encoded = type === 'image/png' ? pipeline.png() : type === 'image/webp' ? pipeline.webp({ quality: 85 }) : pipeline.jpeg({ quality: 85 });
    const { data: out, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { data: out, width: info.width, height: info.height };
  } catch {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `The file looks like ${type} but cannot be decoded`, { detectedType: type });
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A display name safe in a header and on any file system: the client's base name without path,
 * control or quoting characters, at most 120 characters, with the extension of the detected type.
 */
export function safeFileName(declared: string | undefined, contentType: string): string {
  const ext = ACCEPTED_TYPES[contentType] ?? 'bin';
  const base = (declared ?? '').split(/[\\/]/).pop() ?? '';
  const stem = base
    .replace(/\.[^.]*$/, '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._()-]+/gu, '_')
    .replace(/^[.\s_]+|[.\s]+$/g, '')
    .slice(0, 120);
  return `${stem || 'attachment'}.${ext}`;
}

/** `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
