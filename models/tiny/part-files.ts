/** Files one part of a pack contributes: manifest roles and the bytes of the paths they name. */
export interface PartFiles {
  roles: Record<string, { path: string; externalData?: { path: string } }>;
  contents: Record<string, Uint8Array>;
}
