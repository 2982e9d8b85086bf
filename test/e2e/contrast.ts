/** The channels of a computed CSS colour, `rgb(r, g, b)` or `rgba(r, g, b, a)`. */
function channels(css: string): number[] {
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  if (!m) throw new Error(`not a computed colour: ${css}`);
  return m[1].split(',').map((c) => Number.parseFloat(c));
}

/** WCAG relative luminance of an sRGB colour. */
function luminance(css: string): number {
  const [r, g, b] = channels(css).map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio (1–21) of text and the opaque background it sits on; 4.5 is the bar for body text. */
export function contrastRatio(text: string, background: string): number {
  const [hi, lo] = [luminance(text), luminance(background)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}
