// What the service offers, without a key: limits, formats, presets, choices and recipes, for
// clients (and the web page) to check input before sending it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { builtinRecipes } from '../../mix/recipe.js';
import { packageVersion } from '../../package-dir.js';
import { LOUDNESS_PRESETS } from '../../audio/loudness.js';
import { OUTPUT_FORMATS, REVERB_CHOICES, SAMPLE_TYPES } from '../schemas/mix-options.js';

const Info = Type.Object({
  version: Type.String(),
  limits: Type.Object({ maxUploadMb: Type.Integer(), syncMaxSeconds: Type.Integer(), rateLimitPerMinute: Type.Integer() }),
  formats: Type.Array(Type.String()),
  sampleTypes: Type.Array(Type.String()),
  loudnessPresets: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])),
  reverbChoices: Type.Array(Type.String()),
  recipes: Type.Array(Type.String()),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.services;
  app.get('/info', { schema: { tags: ['service'], summary: 'Version, limits, formats, presets and recipes (no key needed)', response: { 200: Info } } }, async () => ({
    version: packageVersion,
    limits: { maxUploadMb: config.maxUploadMb, syncMaxSeconds: config.syncMaxSeconds, rateLimitPerMinute: config.rateLimit },
    formats: [...OUTPUT_FORMATS],
    sampleTypes: [...SAMPLE_TYPES],
    loudnessPresets: { ...LOUDNESS_PRESETS },
    reverbChoices: [...REVERB_CHOICES],
    recipes: builtinRecipes(),
  }));
};

export default routes;
