import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { builtinRecipes } from '../../mix/recipe.js';
import { listRecipes } from '../../mix/recipe-listing.js';
import { errorResponses } from '../schemas/common.js';

const Recipe = Type.Object({
  name: Type.String(),
  description: Type.String(),
  choices: Type.Object({}, { additionalProperties: true }),
  roles: Type.Array(
    Type.Object({
      role: Type.String(),
      placement: Type.String(),
      plugins: Type.Array(Type.Object({ bundle: Type.String(), class: Type.Optional(Type.String()), installed: Type.Boolean() })),
    }),
  ),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/recipes',
    { schema: { tags: ['service'], summary: "The recipes, their roles and choices, and whether each role's plugins are installed", security: [{ apiKey: [] }], response: { 200: Type.Array(Recipe), ...errorResponses(401) } } },
    // Paths of bundles on this machine are left out: they are the operator's business.
    async () => listRecipes(builtinRecipes()),
  );
};

export default routes;
