/**
 * The largest clips and images the media library decodes. A header is read before any pixel, so a small
 * file declaring a huge picture is refused with a message naming it instead of ending in an
 * out-of-memory kill; decoding stops at the limit too, for files whose header understates them.
 */
export const MEDIA_LIMITS = {
  /** Pixels of one frame or image: 8192 × 8192. */
  framePixels: 8192 * 8192,
  /** Pixels of one clip (frames × width × height): 1080p × 64 frames, ~2 GiB as float RGBA. */
  clipPixels: 1920 * 1080 * 64,
} as const;

const mega = (n: number) => `${(n / 1e6).toFixed(1)} Mpx`;

/** Why a frame of this size is refused, or undefined. */
export function frameTooLarge(width: number, height: number): string | undefined {
  return width * height > MEDIA_LIMITS.framePixels
    ? `a ${width}×${height} picture (${mega(width * height)}) is larger than the ${mega(MEDIA_LIMITS.framePixels)} a frame may be`
    : undefined;
}

/** Why a clip of this size is refused, or undefined. */
export function clipTooLarge(frames: number, width: number, height: number): string | undefined {
  const pixels = frames * width * height;
  return pixels > MEDIA_LIMITS.clipPixels
    ? `${frames} frames of ${width}×${height} (${mega(pixels)}) are more than the ${mega(MEDIA_LIMITS.clipPixels)} a clip may hold; take fewer frames or a smaller size`
    : undefined;
}
