// The mix's choices: reverb, doubler, robot, the two gains and the loudness target (a preset
// from /info, or a number). Read into the options of a mix request, checked against the API's
// ranges first so a typo is named here rather than refused by the server.
import { $ } from './dom.js';
import { UserError } from './messages.js';

const PRESET_NAMES = { streaming: 'streaming', apple: 'Apple Music', podcast: 'podcast', broadcast: 'broadcast (EBU R 128)', none: 'none (leave as is)' };

/** Fills the preset list from /info's loudnessPresets and ties it to the number. */
export function setUpLoudness(presets) {
  const select = $('lufs-preset');
  const number = $('lufs');
  const entries = Object.entries(presets ?? { streaming: -14 });
  const options = entries.map(([name, lufs]) => {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = lufs === null ? PRESET_NAMES[name] ?? name : `${PRESET_NAMES[name] ?? name} (${lufs} LUFS)`;
    return option;
  });
  const custom = document.createElement('option');
  custom.value = 'custom';
  custom.textContent = 'custom (the number)';
  select.replaceChildren(...options, custom);
  select.value = entries.some(([name]) => name === 'streaming') ? 'streaming' : entries[0]?.[0] ?? 'custom';

  const fromPreset = () => {
    const lufs = presets?.[select.value];
    if (select.value === 'custom') {
      number.disabled = false;
      return;
    }
    number.disabled = lufs === null;
    number.value = lufs === null ? '' : String(lufs);
  };
  select.addEventListener('change', fromPreset);
  // Typing a number makes it the target: the preset it matches (by name first), else custom.
  number.addEventListener('input', () => {
    const value = Number(number.value);
    if (select.value !== 'custom' && presets?.[select.value] === value) return;
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

/** The mix options as the API takes them (without the inputs). */
export function readOptions() {
  const preset = $('lufs-preset').value;
  return {
    reverb: $('reverb').value,
    doubler: $('doubler').checked,
    robot: $('robot').checked,
    vocalGainDb: numberFrom('vocal-gain', 'Vocal gain', -60, 24, 'dB'),
    beatGainDb: numberFrom('beat-gain', 'Beat gain', -60, 24, 'dB'),
    lufs: preset === 'custom' ? numberFrom('lufs', 'Loudness target', -70, 0, 'LUFS') : preset,
  };
}
