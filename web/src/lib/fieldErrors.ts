// Maps an API error (VALIDATION_ERROR with `fields`) onto a form's fields.
import { ApiError } from './api';

export interface FormErrors {
  /** Field name -> message shown beside the field. */
  fields: Record<string, string>;
  /** Message for the whole form: the API's message, plus problems with fields the form does not show. */
  form: string | null;
}

function sentence(field: string, problem: string): string {
  return `${field.replace(/_/g, ' ')}: ${problem}`;
}

/**
 * `formFields` lists the fields the form renders. Problems with other fields (for example
 * `id`, or a field the form does not edit) are folded into the form-level message so
 * nothing the server said is lost. `aliases` sends an API field to another form field.
 */
export function mapApiErrors(
  err: unknown,
  formFields: readonly string[],
  aliases: Record<string, string> = {},
): FormErrors {
  if (!(err instanceof ApiError)) {
    return { fields: {}, form: err instanceof Error ? err.message : err ? String(err) : null };
  }
  const fields: Record<string, string> = {};
  const leftovers: string[] = [];
  for (const [apiField, problem] of Object.entries(err.fields ?? {})) {
    const target = aliases[apiField] ?? apiField;
    if (formFields.includes(target)) {
      fields[target] = fields[target] ? `${fields[target]}; ${problem}` : problem;
    } else {
      leftovers.push(sentence(apiField, problem));
    }
  }
  const hasFieldErrors = Object.keys(fields).length > 0;
  let form: string | null = null;
  if (leftovers.length > 0) {
    form = `${err.message} (${leftovers.join('; ')})`;
  } else if (!hasFieldErrors) {
    form = err.message;
  } else if (err.code !== 'VALIDATION_ERROR') {
    form = err.message;
  }
  return { fields, form };
}
