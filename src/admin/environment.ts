// The effective SLUICE_* configuration for the dashboard: each variable's value or default, secrets redacted.

import { configOptions, DEV_VARIABLES, REDACTED } from '../config/index.ts';
import { redactSetting } from '../errors/index.ts';

/** One variable as the environment view lists it. */
export type EnvironmentRow = {
  readonly variable: string;
  /** As set (redacted), or the documented default when unset. */
  readonly value: string;
  readonly source: 'env' | 'default';
};

// Names whose value is a secret whatever it looks like (SASL passwords, key passphrases, tokens).
const SECRET_NAME = /PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY/;

/**
 * Every known SLUICE_* variable with the value this process runs with: as set, or its default.
 * A secret variable (`type` secret, or a name that says so) shows `[redacted]`; every other value
 * goes through `redactSetting`, so a connection URL's password never shows.
 */
export function environmentRows(
  env: Readonly<Record<string, string | undefined>>,
  cpus: number,
): EnvironmentRow[] {
  const options = [...Object.values(configOptions({ cpus })), ...DEV_VARIABLES];
  const rows = options.map((option): EnvironmentRow => {
    const given = env[option.env]?.trim();
    if (given === undefined || given === '') {
      // The docs' default is Markdown: its code spans lose their backticks here.
      return { variable: option.env, value: option.default.replaceAll('`', ''), source: 'default' };
    }
    // A *_FILE variable's path is redacted too: where a secret is mounted is no one's business.
    const secret = option.type === 'secret' || SECRET_NAME.test(option.env);
    return { variable: option.env, value: secret ? REDACTED : redactSetting(given), source: 'env' };
  });
  return rows.sort((a, b) => a.variable.localeCompare(b.variable));
}
