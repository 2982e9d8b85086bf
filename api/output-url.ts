/** The scheme the desktop app serves run outputs on: `layerflow://files/<jobId>/<path>`. */
export const OUTPUT_SCHEME = 'layerflow';

/**
 * An output file's URL for the page: the server's `/files/…` path (token appended) in a browser, the
 * desktop app's own scheme inside Electron, whose page is a file:// document without a server.
 */
export function outputUrl(url: string, opts: { desktop: boolean; token: string }): string {
  if (opts.desktop) return `${OUTPUT_SCHEME}:/${url}`;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(opts.token)}`;
}
