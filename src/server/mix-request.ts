// Mix options as the pool takes them, from what the API validated: the recipe resolved among
// the server's own (a client never names a file), and Opus given the 48 kHz it needs.
import { MixchainError } from '../errors.js';
import type { MixRequest } from '../jobs/mix-job.js';
import { builtinRecipes } from '../mix/recipe.js';
import { OPUS_RATES, type MixOptions } from './schemas/mix-options.js';


export function mixRequest(options: MixOptions): MixRequest {
  if (options.recipe !== undefined && !builtinRecipes().includes(options.recipe)) {
    throw new MixchainError('ERR_RECIPE_NOT_FOUND', `Expected a recipe of this server (${builtinRecipes().join(', ')}) but got '${options.recipe}'`, {
      details: { errors: [{ path: '/recipe', message: 'is not a recipe of this server' }] },
    });
  }
  if (options.format === 'opus') {
    if (options.sampleRate === undefined) return { ...options, sampleRate: 48000 };
    if (!OPUS_RATES.includes(options.sampleRate)) {
      throw new MixchainError('ERR_VALIDATION', `Expected a sampleRate of ${OPUS_RATES.join(', ')} Hz for opus but got ${options.sampleRate}`, {
        details: { errors: [{ path: '/sampleRate', message: 'must be 8000, 12000, 16000, 24000 or 48000 for opus' }] },
      });
    }
  }
  if (options.format !== undefined && options.format !== 'wav' && options.sampleType === 'float') {
    throw new MixchainError('ERR_VALIDATION', `Expected sampleType pcm16 or pcm24 for ${options.format} (float is wav only) but got float`, {
      details: { errors: [{ path: '/sampleType', message: 'float is for wav only' }] },
    });
  }
  return { ...options };
}

/** Pulls the mix options out of a body that also names inputs. */
export function splitBody<T extends Record<string, unknown>>(body: T, inputKeys: readonly string[]): { inputs: Partial<T>; options: MixOptions } {
  const inputs: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) (inputKeys.includes(key) ? inputs : options)[key] = value;
  return { inputs: inputs as Partial<T>, options: options as MixOptions };
}
