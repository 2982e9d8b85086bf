/** `npm run models:tiny [-- rgb|rgba]`: (re)generates the tiny packs under .cache/packs/. */
import { rm } from 'node:fs/promises';
import { ensureTinyPack } from '../tiny/ensure.ts';
import { tinyPackDir } from '../tiny/paths.ts';

const args = process.argv.slice(2);
const bad = args.filter((a) => a !== 'rgb' && a !== 'rgba');
if (bad.length) {
  console.error(`unknown variant ${bad.join(', ')}; use rgb and/or rgba`);
  process.exit(2);
}
const variants = (args.length ? args : ['rgb', 'rgba']) as ('rgb' | 'rgba')[];
for (const variant of variants) {
  const start = performance.now();
  // The stamp is what ensureTinyPack trusts; removing it forces a rebuild.
  await rm(`${tinyPackDir(variant)}.source`, { force: true });
  const pack = await ensureTinyPack(variant);
  const bytes = Object.values(pack.files).reduce((a, f) => a + f.bytes, 0);
  console.log(
    `${pack.dir}: ${Object.keys(pack.files).length} files, ${(bytes / 1e6).toFixed(1)} MB, ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
}
