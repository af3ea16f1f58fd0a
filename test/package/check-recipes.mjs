// Reads `mixchain recipes --json` on stdin and checks that every role of the default recipe,
// the doubler and the robot included, is installed, and that MixchainFX.vst3 was found in the
// installed package itself (argv[2]), not somewhere else on the machine.
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';

const packageDirectory = process.argv[2];
const listing = JSON.parse(readFileSync(0, 'utf8'));
const recipe = listing.find((r) => r.name === 'default');
if (!recipe) throw new Error('mixchain recipes lists no default recipe');
const roles = recipe.roles.map((r) => r.role);
for (const role of ['vocal', 'doubler', 'robot', 'master']) {
  if (!roles.includes(role)) throw new Error(`the default recipe has no ${role} role (roles: ${roles.join(', ')})`);
}
for (const { role, plugins } of recipe.roles) {
  for (const plugin of plugins) {
    if (!plugin.installed) throw new Error(`default recipe, role ${role}: ${plugin.bundle} is missing`);
    if (plugin.bundle === 'MixchainFX' && !plugin.path.startsWith(packageDirectory + sep)) {
      throw new Error(`MixchainFX.vst3 was found at ${plugin.path}, not in the installed package ${packageDirectory}`);
    }
  }
}
console.log(`mixchain recipes: every role of default installed (${roles.join(', ')}), MixchainFX from the package`);
