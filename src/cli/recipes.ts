import { parseArgs } from 'node:util';
import { findBundle } from '../bundles.js';
import { builtinRecipes, loadRecipe, ROLES } from '../mix/recipe.js';

/** `mixchain recipes`: the recipes, their roles, and whether each role's plugins are installed. */
export async function recipes(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const names = positionals.length ? positionals : builtinRecipes();
  const listing = names.map((name) => {
    const recipe = loadRecipe(name);
    return {
      name: recipe.name,
      description: recipe.description ?? '',
      choices: recipe.choices ?? {},
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
  if (values.json) {
    console.log(JSON.stringify(listing, null, 2));
    return 0;
  }
  for (const recipe of listing) {
    console.log(`${recipe.name}: ${recipe.description}`);
    for (const role of recipe.roles) {
      const plugins = role.plugins.map((p) => `${p.bundle}${p.class ? `:${p.class}` : ''} ${p.installed ? '✓' : '✗ missing'}`).join(', ');
      console.log(`  ${role.role.padEnd(10)} ${role.placement.padEnd(6)} ${plugins}`);
    }
  }
  return 0;
}
