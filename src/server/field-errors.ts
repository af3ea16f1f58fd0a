// Validation faults as `errors: [{ path, message }]`, the same whether Fastify's validator found
// them (JSON bodies, queries) or the mix options' schema did (multipart fields).
import { MixchainError } from '../errors.js';

export interface FieldError {
  path: string;
  message: string;
}

interface ValidatorError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * One entry per field. A missing field is named by its own path; the alternatives of a union (a
 * number or a preset name) each fail on their own and are said once, with the allowed names.
 */
export function fieldErrors(found: Iterable<ValidatorError>, prefix = ''): FieldError[] {
  const fields = new Map<string, { messages: string[]; allowed: unknown[] }>();
  const add = (path: string, message: string | null, allowed: unknown[] = []) => {
    const field = fields.get(path) ?? { messages: [], allowed: [] };
    fields.set(path, field);
    if (message !== null && !field.messages.includes(message)) field.messages.push(message);
    field.allowed.push(...allowed.filter((value) => !field.allowed.includes(value)));
  };
  const names = (value: unknown) => [value].flat().filter((name) => name !== undefined).map(String);
  for (const e of found) {
    const at = `${prefix}${e.instancePath}`;
    if (e.keyword === 'additionalProperties') {
      for (const name of names(e.params.additionalProperty ?? e.params.additionalProperties)) add(`${at}/${name}`, 'is not a known field');
    } else if (e.keyword === 'required') {
      // Ajv names one missing field per error, TypeBox a list.
      for (const name of names(e.params.missingProperty ?? e.params.requiredProperties)) add(`${at}/${name}`, 'is required');
    } else if (e.keyword === 'const' || e.keyword === 'enum') {
      add(at || '/', null, [e.params.allowedValue ?? e.params.allowedValues].flat());
    } else if (e.keyword !== 'anyOf' && (e.keyword !== 'boolean' || e.instancePath === '')) {
      // 'anyOf' sums up its alternatives, reported one by one; 'boolean' is the false schema of
      // each unknown field, reported above.
      add(at || '/', e.message ?? e.keyword);
    }
  }
  return [...fields].map(([path, { messages, allowed }]) => ({
    path,
    message: [...messages.slice(0, 1), ...(allowed.length ? [`must be one of ${allowed.join(', ')}`] : [])].join(' or ') || 'is not valid',
  }));
}

export function validationError(what: string, errors: FieldError[]): MixchainError {
  return new MixchainError('ERR_VALIDATION', `Expected ${what} but ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { details: { errors } });
}
