/**
 * Whether a frame's URL is the app's own page (its index.html, any query or hash): only that page may
 * talk to the engine. Any other file:// document (a file the user dragged in, an output opened by
 * mistake) gets no answer, and neither does a frame already gone (undefined).
 */
export function isOwnPage(frameUrl: string | undefined, pageUrl: string): boolean {
  if (!frameUrl) return false;
  try {
    const frame = new URL(frameUrl);
    frame.hash = '';
    frame.search = '';
    return frame.href === new URL(pageUrl).href;
  } catch {
    return false;
  }
}
