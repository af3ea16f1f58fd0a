// The mix's choices: reverb, doubler, robot, the two gains and the loudness target (a preset
// from /info, or a number). Read into the options of a mix request, checked against the API's
// ranges first so a typo is named here rather than refused by the server.
import { $ } from './dom.js';
import { UserError } from './messages.js';

const PRESET_NAMES = { streaming: 'streaming', apple: 'Apple Music', podcast: 'podcast', broadcast: 'broadcast (EBU R 128)', none: 'none (leave as is)' };
/** What the page offers when /info could not be read: the API's default target. */
const FALLBACK_PRESETS = { streaming: -14 };

function option(value, text) {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}

/** Fills the reverb list from /info's reverbChoices, "none" first; without them, the page's own list stays. */
export function setUpReverb(choices) {
  if (!Array.isArray(choices) || !choices.length) return;
  const select = $('reverb');
  const names = ['none', ...choices.filter((name) => name !== 'none')];
  select.replaceChildren(...names.map((name) => option(name, name)));
  select.value = 'none';
}

/** Fills the preset list from /info's loudnessPresets (null: the fallback) and ties it to the number. */
export function setUpLoudness(presets) {
  const table = presets ?? FALLBACK_PRESETS;
  const select = $('lufs-preset');
  const number = $('lufs');
  const entries = Object.entries(table);
  const options = entries.map(([name, lufs]) => option(name, lufs === null ? (PRESET_NAMES[name] ?? name) : `${PRESET_NAMES[name] ?? name} (${lufs} LUFS)`));
  select.replaceChildren(...options, option('custom', 'custom (the number)'));
  select.value = Object.hasOwn(table, 'streaming') ? 'streaming' : (entries[0]?.[0] ?? 'custom');

  const fromPreset = () => {
    if (select.value === 'custom') {
      number.disabled = false;
      return;
    }
    const lufs = table[select.value];
    number.disabled = lufs === null;
    number.value = lufs === null ? '' : String(lufs);
  };
  select.addEventListener('change', fromPreset);
  // Typing a number makes it the target: the preset it matches (by name first), else custom.
  number.addEventListener('input', () => {
    const value = Number(number.value);
    if (select.value !== 'custom' && table[select.value] === value) return;
    const match = entries.find(([, lufs]) => lufs === value);
    select.value = match && number.value !== '' ? match[0] : 'custom';
  });
  fromPreset();
}

function numberFrom(id, label, min, max, unit) {
  const input = $(id);
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    input.focus();
    throw new UserError(`${label} must be a number from ${min} to ${max} ${unit}: correct it and try again.`);
  }
  return value;
}

/** The mix options as the API takes them (without the inputs); the beat's gain only with a beat. */
export function readOptions({ withBeat }) {
  const preset = $('lufs-preset').value;
  return {
    reverb: $('reverb').value,
    doubler: $('doubler').checked,
    robot: $('robot').checked,
    vocalGainDb: numberFrom('vocal-gain', 'Vocal gain', -60, 24, 'dB'),
    ...(withBeat ? { beatGainDb: numberFrom('beat-gain', 'Beat gain', -60, 24, 'dB') } : {}),
    lufs: preset === 'custom' ? numberFrom('lufs', 'Loudness target', -70, 0, 'LUFS') : preset,
  };
}
