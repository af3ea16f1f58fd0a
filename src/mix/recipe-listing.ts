// The recipes as a listing: their roles, placements and plugins, and whether each plugin's
// bundle is installed here (for `mixchain recipes` and the service's /recipes).
import { findBundle } from '../host/bundles.js';
import { loadRecipe, ROLES, type Role } from './recipe.js';

export interface RecipeListing {
  name: string;
  description: string;
  choices: Record<string, unknown>;
  roles: Array<{
    role: Role;
    placement: string;
    plugins: Array<{ bundle: string; class?: string; installed: boolean; path: string | null }>;
  }>;
}

export function listRecipes(names: string[]): RecipeListing[] {
  return names.map((name) => {
    const recipe = loadRecipe(name);
    return {
      name: recipe.name,
      description: recipe.description ?? '',
      choices: { ...(recipe.choices ?? {}) },
      roles: ROLES.filter((role) => recipe.roles[role]).map((role) => ({
        role,
        placement: recipe.roles[role]!.placement ?? 'insert',
        plugins: recipe.roles[role]!.plugins.map((p) => {
          const path = findBundle(p.bundle);
          return { bundle: p.bundle, ...(p.class ? { class: p.class } : {}), installed: path !== null, path };
        }),
      })),
    };
  });
}
