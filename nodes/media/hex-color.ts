import { z } from 'zod';

/** A colour param: `#rrggbb`, or `#rrggbbaa` for a see-through colour. */
export const HexColor = z.string().regex(/^#([0-9a-f]{6}|[0-9a-f]{8})$/i, 'a colour as #rrggbb or #rrggbbaa');

/** `#rrggbb` → [r, g, b], `#rrggbbaa` → [r, g, b, a], values in [0, 1]. */
export function parseHexColor(hex: string): [number, number, number] | [number, number, number, number] {
  const bytes = (hex.slice(1).match(/../g) ?? []).map((b) => Number.parseInt(b, 16) / 255);
  return bytes as [number, number, number] | [number, number, number, number];
}
