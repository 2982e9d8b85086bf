import type { VaeConfig } from './config.ts';

/** Parameter shapes under the reference's names, encoder.* then decoder.*. */
export function vaeWeightShapes(c: VaeConfig): Map<string, number[]> {
  return new Map([...vaeEncoderWeightShapes(c), ...vaeDecoderWeightShapes(c)]);
}

const conv3 = (s: Map<string, number[]>, name: string, out: number, inp: number, k = 3) => {
  s.set(`${name}.weight`, [out, inp, k, k, k]);
  s.set(`${name}.bias`, [out]);
};

const conv2 = (s: Map<string, number[]>, name: string, out: number, inp: number) => {
  s.set(`${name}.weight`, [out, inp, 3, 3]);
  s.set(`${name}.bias`, [out]);
};

const groupNorm = (s: Map<string, number[]>, name: string, width: number) => {
  s.set(`${name}.weight`, [width]);
  s.set(`${name}.bias`, [width]);
};

/** SpatialNorm3D (decoder): a GroupNorm plus 1×1×1 causal convs of zq giving scale and shift. */
const spatialNorm = (s: Map<string, number[]>, name: string, width: number, zq: number) => {
  groupNorm(s, `${name}.norm_layer`, width);
  conv3(s, `${name}.conv_y.conv`, width, zq, 1);
  conv3(s, `${name}.conv_b.conv`, width, zq, 1);
};

type Norm = (s: Map<string, number[]>, name: string, width: number) => void;

function resnet(s: Map<string, number[]>, name: string, inp: number, out: number, norm: Norm): void {
  norm(s, `${name}.norm1`, inp);
  conv3(s, `${name}.conv1.conv`, out, inp);
  norm(s, `${name}.norm2`, out);
  conv3(s, `${name}.conv2.conv`, out, out);
  if (inp !== out) conv3(s, `${name}.nin_shortcut`, out, inp, 1);
}

/** ContextParallelEncoder3D's parameters (prefix `encoder.`). */
export function vaeEncoderWeightShapes(c: VaeConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  conv3(s, 'encoder.conv_in.conv', c.ch, c.in_channels);
  let width = c.ch;
  c.ch_mult.forEach((mult, level) => {
    for (let b = 0; b < c.num_res_blocks; b++) {
      resnet(s, `encoder.down.${level}.block.${b}`, width, c.ch * mult, groupNorm);
      width = c.ch * mult;
    }
    if (level < c.ch_mult.length - 1) conv2(s, `encoder.down.${level}.downsample.conv`, width, width);
  });
  resnet(s, 'encoder.mid.block_1', width, width, groupNorm);
  resnet(s, 'encoder.mid.block_2', width, width, groupNorm);
  groupNorm(s, 'encoder.norm_out', width);
  conv3(s, 'encoder.conv_out.conv', c.double_z ? 2 * c.z_channels : c.z_channels, width);
  return s;
}

/** ContextParallelDecoder3D's parameters (prefix `decoder.`); its norms are conditioned on z. */
export function vaeDecoderWeightShapes(c: VaeConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const norm: Norm = (m, name, width) => spatialNorm(m, name, width, c.z_channels);
  let width = c.ch * c.ch_mult[c.ch_mult.length - 1];
  conv3(s, 'decoder.conv_in.conv', width, c.z_channels);
  resnet(s, 'decoder.mid.block_1', width, width, norm);
  resnet(s, 'decoder.mid.block_2', width, width, norm);
  for (let level = c.ch_mult.length - 1; level >= 0; level--) {
    for (let b = 0; b <= c.num_res_blocks; b++) {
      resnet(s, `decoder.up.${level}.block.${b}`, width, c.ch * c.ch_mult[level], norm);
      width = c.ch * c.ch_mult[level];
    }
    if (level > 0) conv2(s, `decoder.up.${level}.upsample.conv`, width, width);
  }
  norm(s, 'decoder.norm_out', width);
  conv3(s, 'decoder.conv_out.conv', c.out_ch, width);
  return s;
}
