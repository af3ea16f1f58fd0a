// The mix options, with the same names in multipart fields, JSON bodies and jobs. Multipart
// fields arrive as text and are converted by this same schema before it checks them.
import { Type, type Static } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { LOUDNESS_PRESETS } from '../../audio/loudness.js';
import { REVERB_ROLES } from '../../mix/recipe.js';
import { fieldErrors, validationError } from '../field-errors.js';

// TypeBox stops collecting faults at 8 by default; a union's alternatives alone can fill that and
// leave later fields out of `errors[]`. Bodies are bounded (1 MB JSON, 20 multipart fields), and
// so is this.
Settings.Set({ maxErrors: 100 });

export const OUTPUT_FORMATS = ['wav', 'flac', 'mp3', 'ogg', 'opus'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** The only rates Opus encodes at. */
export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];
export const SAMPLE_TYPES = ['pcm16', 'pcm24', 'float'] as const;
export const REVERB_CHOICES = [...REVERB_ROLES, 'none'] as const;
export const LOUDNESS_PRESET_NAMES = Object.keys(LOUDNESS_PRESETS) as Array<keyof typeof LOUDNESS_PRESETS>;

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const gain = (what: string) => Type.Number({ minimum: -60, maximum: 24, description: `Added to the recipe's ${what} gain, in dB` });

export const mixOptionProperties = {
  recipe: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'A recipe the server knows (GET /recipes)' })),
  reverb: Type.Optional(literals(REVERB_CHOICES)),
  doubler: Type.Optional(Type.Boolean()),
  robot: Type.Optional(Type.Boolean()),
  vocalGainDb: Type.Optional(gain('vocal')),
  beatGainDb: Type.Optional(gain('beat')),
  lufs: Type.Optional(Type.Union([Type.Number({ minimum: -70, maximum: 0 }), literals(LOUDNESS_PRESET_NAMES)], { description: 'Loudness target in LUFS or a preset' })),
  start: Type.Optional(Type.Number({ minimum: 0, description: 'Preview: seconds into the vocal' })),
  duration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 600, description: 'Preview: seconds to render' })),
  format: Type.Optional(literals(OUTPUT_FORMATS)),
  sampleType: Type.Optional(literals(SAMPLE_TYPES)),
  sampleRate: Type.Optional(Type.Integer({ minimum: 8000, maximum: 192000 })),
};

export const MixOptions = Type.Object(mixOptionProperties, { additionalProperties: false });
export type MixOptions = Static<typeof MixOptions>;

/** Checks multipart text fields against the mix options: converted, then validated, every fault named. */
export function mixOptionsFromFields(fields: Record<string, string>): MixOptions {
  const converted = Value.Convert(MixOptions, fields);
  if (Value.Check(MixOptions, converted)) return converted as MixOptions;
  throw validationError('valid mix options', fieldErrors(Value.Errors(MixOptions, converted)));
}
