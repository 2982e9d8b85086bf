/**
 * The environment an engine process starts with (the CLI's child, the studio's and the desktop app's engine
 * processes). glibc's malloc is given a fixed mmap threshold: blocks of 256 KiB and more get their own
 * mappings and go back to the system when freed. By default glibc raises that threshold (up to 32 MiB) as
 * such blocks are freed, so ONNX Runtime's activations and prepacked weights (its arena is off) came from the
 * heap and stayed there after they were freed, even after the session was released: a one-pass VAE decode of
 * the mid pack alone peaked at 744 MiB instead of 436 (bench/memory.ts). Forward and decode times unchanged
 * (dit-roofline, vae-roofline). glibc reads it once, at process start, so the parent sets it; kept as it is
 * when the user set any MALLOC_ variable; ignored off glibc.
 */
export function engineEnv(env = process.env) {
  if (Object.keys(env).some((k) => k.startsWith('MALLOC_'))) return env;
  return { ...env, MALLOC_MMAP_THRESHOLD_: String(256 * 1024) };
}
