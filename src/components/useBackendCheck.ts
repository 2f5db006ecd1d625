import { useEffect, useState } from 'react';

import { ValidationResult } from '../types';

/** How long typing must pause before the text is sent to the backend. */
export const CHECK_DELAY_MS = 400;

/**
 * The backend's verdict on a text being typed: check(text) runs once typing pauses for delayMs,
 * and the error it answers is returned until the text changes again. Empty text, and texts holding
 * a dashboard variable (checked only once interpolated, when the query runs), are not checked. A
 * failed call (an older backend, a network error) shows no error: the query itself will say.
 */
export function useBackendCheck(
  check: (text: string) => Promise<ValidationResult>,
  text: string | undefined,
  delayMs = CHECK_DELAY_MS
): string | undefined {
  const [result, setResult] = useState<{ text: string; error?: string }>();
  const value = text ?? '';
  const skip = value.trim() === '' || value.includes('$');

  useEffect(() => {
    if (skip) {
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      check(value).then(
        (r) => current && setResult({ text: value, error: r.ok ? undefined : r.error || 'invalid' }),
        () => current && setResult({ text: value })
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // check is a new function on every render of most callers; the text decides when to check.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, skip, delayMs]);

  return !skip && result?.text === value ? result.error : undefined;
}
