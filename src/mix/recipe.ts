// Recipes: a JSON document that maps the mix's roles (the vocal chain, three reverb choices, a
// doubler, a robot voice, the master bus) to plugins and settings, plus the default choices,
// track gains and loudness target. Validated field by field; every error names the field.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageDirectory } from '../package-dir.js';
import { MixchainError, describe } from '../errors.js';
import { resolveTarget } from '../audio/loudness.js';
import type { ChainSlot } from '../host/chain.js';
import type { ParameterInput } from '../host/plugin.js';

/** The roles of the system mixchain replaces, with the bundle names it used for them. */
export const ROLES = ['vocal', 'reverb1', 'reverb2', 'reverb3new', 'doubler', 'robot', 'master'] as const;
export type Role = (typeof ROLES)[number];
export const REVERB_ROLES = ['reverb1', 'reverb2', 'reverb3new'] as const;
export type ReverbChoice = (typeof REVERB_ROLES)[number] | 'none';

export interface RecipePlugin {
  /** A bundle name (looked up in the plugin folders) or path. */
  bundle: string;
  /** The class inside a bundle that holds several. */
  class?: string;
  /** Values as the plugin displays them, by parameter title. */
  parameters?: Record<string, ParameterInput>;
  /** A .vstpreset, relative to the recipe file. */
  preset?: string;
  /** Why this plugin and these settings. */
  why?: string;
}

export interface RecipeRole {
  plugins: RecipePlugin[];
  /** `insert` (default): in series on the vocal; `send`: a bus fed from the vocal (reverbs only). */
  placement?: 'insert' | 'send';
  /** Send level in dB when placed on a send. */
  sendDb?: number;
  why?: string;
}

export interface Recipe {
  name: string;
  description?: string;
  /** The session rate every input is resampled to. */
  sampleRate?: number;
  roles: Partial<Record<Role, RecipeRole>>;
  choices?: { reverb?: ReverbChoice; doubler?: boolean; robot?: boolean };
  gains?: { vocalDb?: number; beatDb?: number };
  loudness?: { target?: number | string; ceilingDbtp?: number };
  /** Where the recipe came from (for messages). */
  source: string;
  /** The folder relative preset paths start from. */
  directory: string;
}

const recipeFolder = () => join(packageDirectory, 'src', 'mix', 'recipes');

/** The recipes shipped with mixchain, by name. */
export function builtinRecipes(): string[] {
  return ['default', 'hise'];
}

class RecipeChecker {
  constructor(private readonly source: string) {}

  fail(path: string, expected: string, actual: unknown): never {
    throw new MixchainError('ERR_RECIPE_INVALID', `Recipe ${this.source} at ${path}: expected ${expected} but got ${describe(actual)}`);
  }

  object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key) && key !== '$comment') this.fail(`${path}.${key}`, `one of the fields ${allowed.join(', ')}`, key);
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'a non-empty string', value);
    return value;
  }

  number(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(path, `a number from ${min} to ${max}`, value);
    return value;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'true or false', value);
    return value;
  }

  plugin(value: unknown, path: string): RecipePlugin {
    const o = this.object(value, path, ['bundle', 'class', 'parameters', 'preset', 'why']);
    const plugin: RecipePlugin = { bundle: this.string(o.bundle, `${path}.bundle`) };
    if (o.class !== undefined) plugin.class = this.string(o.class, `${path}.class`);
    if (o.preset !== undefined) plugin.preset = this.string(o.preset, `${path}.preset`);
    if (o.why !== undefined) plugin.why = this.string(o.why, `${path}.why`);
    if (o.parameters !== undefined) {
      if (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters)) this.fail(`${path}.parameters`, 'an object of parameter values', o.parameters);
      plugin.parameters = {};
      for (const [title, v] of Object.entries(o.parameters)) {
        if (!((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== ''))) {
          this.fail(`${path}.parameters.${title}`, 'a number or text as the plugin displays it', v);
        }
        plugin.parameters[title] = v as ParameterInput;
      }
    }
    return plugin;
  }

  role(value: unknown, path: string, role: Role): RecipeRole {
    const o = this.object(value, path, ['plugins', 'placement', 'sendDb', 'why']);
    if (!Array.isArray(o.plugins) || o.plugins.length === 0) this.fail(`${path}.plugins`, 'a non-empty array of plugins', o.plugins);
    const result: RecipeRole = { plugins: o.plugins.map((p, i) => this.plugin(p, `${path}.plugins[${i}]`)) };
    if (o.placement !== undefined) {
      if (o.placement !== 'insert' && o.placement !== 'send') this.fail(`${path}.placement`, "'insert' or 'send'", o.placement);
      if (o.placement === 'send' && !(REVERB_ROLES as readonly string[]).includes(role)) this.fail(`${path}.placement`, "'insert' (only reverbs go on sends)", o.placement);
      result.placement = o.placement;
    }
    if (o.sendDb !== undefined) result.sendDb = this.number(o.sendDb, `${path}.sendDb`, -60, 12);
    if (o.why !== undefined) result.why = this.string(o.why, `${path}.why`);
    return result;
  }

  recipe(value: unknown): Recipe {
    const o = this.object(value, 'the top level', ['name', 'description', 'sampleRate', 'roles', 'choices', 'gains', 'loudness']);
    const recipe: Recipe = { name: this.string(o.name, 'name'), roles: {}, source: this.source, directory: '' };
    if (o.description !== undefined) recipe.description = this.string(o.description, 'description');
    if (o.sampleRate !== undefined) recipe.sampleRate = this.number(o.sampleRate, 'sampleRate', 8000, 192000);
    const roles = this.object(o.roles, 'roles', ROLES);
    for (const role of ROLES) {
      if (roles[role] !== undefined) recipe.roles[role] = this.role(roles[role], `roles.${role}`, role);
    }
    if (!recipe.roles.vocal) this.fail('roles.vocal', 'the vocal chain', undefined);
    if (o.choices !== undefined) {
      const c = this.object(o.choices, 'choices', ['reverb', 'doubler', 'robot']);
      recipe.choices = {};
      if (c.reverb !== undefined) recipe.choices.reverb = this.reverbChoice(c.reverb, 'choices.reverb', recipe);
      if (c.doubler !== undefined) recipe.choices.doubler = this.boolean(c.doubler, 'choices.doubler');
      if (c.robot !== undefined) recipe.choices.robot = this.boolean(c.robot, 'choices.robot');
    }
    if (o.gains !== undefined) {
      const g = this.object(o.gains, 'gains', ['vocalDb', 'beatDb']);
      recipe.gains = {};
      if (g.vocalDb !== undefined) recipe.gains.vocalDb = this.number(g.vocalDb, 'gains.vocalDb', -60, 24);
      if (g.beatDb !== undefined) recipe.gains.beatDb = this.number(g.beatDb, 'gains.beatDb', -60, 24);
    }
    if (o.loudness !== undefined) {
      const l = this.object(o.loudness, 'loudness', ['target', 'ceilingDbtp']);
      recipe.loudness = {};
      if (l.target !== undefined) {
        try {
          resolveTarget(l.target as number | string);
        } catch {
          this.fail('loudness.target', 'LUFS from -70 to 0 or a preset (streaming, apple, podcast, broadcast, none)', l.target);
        }
        recipe.loudness.target = l.target as number | string;
      }
      if (l.ceilingDbtp !== undefined) recipe.loudness.ceilingDbtp = this.number(l.ceilingDbtp, 'loudness.ceilingDbtp', -20, 0);
    }
    return recipe;
  }

  reverbChoice(value: unknown, path: string, recipe: Pick<Recipe, 'roles'>): ReverbChoice {
    if (value === 'none') return 'none';
    if (!(REVERB_ROLES as readonly unknown[]).includes(value)) this.fail(path, `one of ${REVERB_ROLES.join(', ')}, none`, value);
    if (!recipe.roles[value as Role]) this.fail(path, `a reverb role the recipe defines`, value);
    return value as ReverbChoice;
  }
}

/** Validates a parsed recipe document; `source` names it in errors, presets are relative to `directory`. */
export function parseRecipe(document: unknown, source: string, directory = process.cwd()): Recipe {
  return { ...new RecipeChecker(source).recipe(document), directory };
}

/** Checks a reverb choice against a recipe (the CLI's --reverb). */
export function checkReverbChoice(recipe: Recipe, value: unknown, what: string): ReverbChoice {
  return new RecipeChecker(recipe.source).reverbChoice(value, what, recipe);
}

/** A recipe by built-in name (`default`, `hise`) or from a JSON file. */
export function loadRecipe(nameOrPath: string): Recipe {
  const builtin = builtinRecipes().includes(nameOrPath);
  const path = builtin ? join(recipeFolder(), `${nameOrPath}.json`) : nameOrPath;
  if (!builtin && !existsSync(path)) {
    throw new MixchainError('ERR_RECIPE_NOT_FOUND', `Expected a recipe name (${builtinRecipes().join(', ')}) or a JSON file but '${nameOrPath}' is neither`);
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MixchainError('ERR_RECIPE_INVALID', `Recipe ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseRecipe(document, builtin ? `'${nameOrPath}'` : path, dirname(resolve(path)));
}

/** The chain slots of a role, labelled with their place in the recipe for error messages. */
export function roleSlots(recipe: Recipe, role: Role): ChainSlot[] {
  const spec = recipe.roles[role];
  if (!spec) return [];
  return spec.plugins.map((plugin, i) => {
    const slot: ChainSlot = { plugin: plugin.bundle, label: `recipe ${recipe.source} roles.${role}.plugins[${i}]` };
    if (plugin.class !== undefined) slot.className = plugin.class;
    if (plugin.parameters !== undefined) slot.parameters = plugin.parameters;
    if (plugin.preset !== undefined) slot.preset = resolve(recipe.directory, plugin.preset);
    return slot;
  });
}
