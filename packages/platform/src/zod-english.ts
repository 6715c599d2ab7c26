import { config, type core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The error of a failed `safeParse`, its messages in English: zod/mini ships no messages, and
 * the libraries' errors quote them (`@mesh/syncthing-client`, which depends on no `@mesh`
 * package, keeps its own copy). English is set only when the application chose no locale of
 * its own, and before the error is first read, because a `safeParse` result writes its messages
 * then.
 */
export function englishError(failed: { readonly error: core.$ZodError }): core.$ZodError {
  if (!config().localeError) config(en());
  return failed.error;
}
