import type { Command } from 'commander';
import { builtinRecipes } from '../mix/recipe.js';
import { listRecipes } from '../mix/recipe-listing.js';
import { print } from './stdout.js';

/** `mixchain recipes`: the recipes, their roles, and whether each role's plugins are installed. */
export function addRecipesCommand(program: Command): void {
  program
    .command('recipes')
    .description("the recipes, their roles, and whether each role's plugins are installed")
    .argument('[recipe...]', 'built-in names or recipe files (.json); default: every built-in recipe')
    .option('--json', 'print the list as JSON')
    .action(recipes);
}

function recipes(given: string[], values: { json?: boolean }): void {
  const names = given.length ? given : builtinRecipes();
  const listing = listRecipes(names);
  if (values.json) {
    print(JSON.stringify(listing, null, 2));
    return;
  }
  for (const recipe of listing) {
    print(`${recipe.name}: ${recipe.description}`);
    for (const role of recipe.roles) {
      const plugins = role.plugins.map((p) => `${p.bundle}${p.class ? `:${p.class}` : ''} ${p.installed ? '✓' : '✗ missing'}`).join(', ');
      print(`  ${role.role.padEnd(10)} ${role.placement.padEnd(6)} ${plugins}`);
    }
  }
}
