// How every command reads option values that are numbers or given more than once: one place,
// so `--beat-gain -6` and `--block abc` are read and refused the same way on every command.
import { Option } from 'commander';
import { invalidArgument } from '../errors.js';

/** The number `text` spells, or undefined. (Number() alone reads '' and ' ' as 0.) */
export function numberIn(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : undefined;
}

/**
 * An option whose value is a number, negative ones included: commander hands a required value
 * over whatever it starts with, so `--lufs -16` reaches the parser as '-16'. Anything that is
 * not a finite number is refused here with ERR_INVALID_ARGUMENT; ranges are the library's to check.
 */
export function numberOption(flags: string, description: string): Option {
  const option = new Option(flags, description);
  return option.argParser((text: string) => {
    const value = numberIn(text);
    if (value === undefined) throw invalidArgument(option.long ?? flags, 'a number', text);
    return value;
  });
}

/**
 * An option whose value is a number or a word (`--lufs -16|podcast`, `--tail 2|auto`): a number
 * when the text spells one, else the text, which the library checks against its words.
 */
export function numberOrWordOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((text: string) => numberIn(text) ?? text);
}

/** An option given once per value (`--set a --set b`): its values in order, undefined when absent. */
export function repeatableOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((text: string, earlier: string[] = []) => [...earlier, text]);
}
