// The colour description of a video stream, and what keeps it through an RGB round trip: decoding to RGB and
// encoding back must use the same YUV matrix, and the output must say which one it used. Left to ffmpeg's
// defaults, an untagged HD source is decoded as BT.601 and re-encoded untagged, and players (which assume
// BT.709 for HD) then show it shifted: a (200, 60, 30) red plays as (212, 70, 26).

/** ffprobe's names for a stream's colour properties; `unknown` where the file does not say. */
export interface StreamColour {
  space: string;
  primaries: string;
  transfer: string;
  /** `tv` (limited) or `pc` (full). */
  range: string;
}

/** What the pipeline decodes with and tags its output with. */
export interface ColourPlan {
  /** The scale filter's name of the YUV matrix (`in_color_matrix` / `out_color_matrix`). */
  matrix: 'bt709' | 'smpte170m' | 'bt2020' | 'fcc' | 'smpte240m';
  /** The source's range, for decoding; the output is always limited range. */
  inputRange: 'tv' | 'pc';
  /** `-colorspace`, `-color_primaries`, `-color_trc` of the output. */
  space: string;
  primaries: string;
  transfer: string;
}

const MATRIX_OF: Record<string, ColourPlan['matrix']> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  bt470bg: 'smpte170m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
};

const known = (value: string) => value !== '' && value !== 'unknown' && value !== 'unspecified';

/**
 * The plan for a stream of `height` rows: its own matrix when tagged, else what players assume (BT.709 from
 * 720 rows up, BT.601 below); primaries and transfer copied when tagged, else those of the matrix.
 */
export function colourPlan(colour: StreamColour, height: number): ColourPlan {
  const hd = height >= 720;
  const matrix = MATRIX_OF[colour.space] ?? (hd ? 'bt709' : 'smpte170m');
  const space = known(colour.space) && MATRIX_OF[colour.space] ? colour.space : hd ? 'bt709' : 'smpte170m';
  const defaults =
    matrix === 'bt2020'
      ? { primaries: 'bt2020', transfer: 'bt709' }
      : matrix === 'bt709'
        ? { primaries: 'bt709', transfer: 'bt709' }
        : { primaries: 'smpte170m', transfer: 'smpte170m' };
  return {
    matrix,
    inputRange: colour.range === 'pc' ? 'pc' : 'tv',
    space,
    primaries: known(colour.primaries) ? colour.primaries : defaults.primaries,
    transfer: known(colour.transfer) ? colour.transfer : defaults.transfer,
  };
}

/** Decoder options: YUV to RGB with the plan's matrix and the source's range. */
export function decodeColourArgs(plan: ColourPlan): string[] {
  return ['-vf', `scale=in_color_matrix=${plan.matrix}:in_range=${plan.inputRange}`];
}

/** Encoder options: RGB to limited-range YUV with the same matrix, and the tags that say so. */
export function encodeColourArgs(plan: ColourPlan): string[] {
  return [
    ...['-vf', `scale=out_color_matrix=${plan.matrix}:out_range=tv`],
    ...['-colorspace', plan.space, '-color_primaries', plan.primaries, '-color_trc', plan.transfer],
    ...['-color_range', 'tv'],
  ];
}
