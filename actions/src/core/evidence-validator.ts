/**
 * Validators for parts of an evidence bundle that a command checks itself (replay each command's
 * own fields, pr-summary a gate's verdict.json), compiled by ajv at run time: in a module of its
 * own, so that only the runs that read bundles carry ajv (the gates, which write them, do not).
 */
import type { default as Ajv, ValidateFunction } from 'ajv';

let runtimeAjv: Ajv | undefined;

/**
 * A JSON Schema validator for part of a bundle (replay and pr-summary check their own fields),
 * options as EVIDENCE_SCHEMA's (all errors, strict, verbose, `date-time`). It compiles on its
 * first call, not when made: ajv is loaded and the schema compiled only by a run that reads a
 * bundle, not at every start of the modules that declare one. The returned function sets
 * `errors` as a compiled ajv validator does.
 */
export function evidenceValidator(schema: object): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    if (compiled === undefined) {
      if (runtimeAjv === undefined) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { default: AjvClass } = require('ajv') as typeof import('ajv');
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
        runtimeAjv = new AjvClass({ allErrors: true, strict: true, verbose: true });
        addFormats(runtimeAjv, ['date-time']);
      }
      compiled = runtimeAjv.compile(schema);
    }
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}
