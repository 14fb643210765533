/**
 * Turns one raw environment value into a setting's value, or an error in the one style every
 * setting shares: it names the variable, says what is allowed, and never quotes the value
 * (a value in the wrong variable may be a secret; for a secret it says only "is invalid").
 * Pure, like the schema.
 */
import { allowedText, SETTINGS, type Setting, type SettingName, type SettingValue } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The variable (or option) at fault. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

/** The error for `label` (the variable, or "option x" for a programmatic option). */
export function invalidSetting(name: SettingName, label: string = name, problem?: string): ConfigError {
  const setting: Setting = SETTINGS[name];
  const rule = problem ?? `must be ${allowedText(setting)}`;
  return new ConfigError(setting.secret ? `${label} is invalid: it ${rule}` : `${label} ${rule}`, label);
}

/** A number given in code (options) checked against the same range as its variable. */
export function checkNumber(name: SettingName, value: number, label: string = name): number {
  const setting: Setting = SETTINGS[name];
  if (setting.kind !== 'integer' && setting.kind !== 'decimal') throw new Error(`${name} is not a number setting`);
  const whole = setting.kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
  const zero = setting.kind === 'decimal' && setting.zeroMeans !== undefined && value === 0;
  if (!whole || (!zero && (value < setting.min || value > setting.max))) throw invalidSetting(name, label);
  return value;
}

/** The value of `name` given its raw text (undefined or blank = unset: the default). */
export function parseSetting<N extends SettingName>(name: N, raw: string | undefined): SettingValue<N> {
  const setting: Setting = SETTINGS[name];
  const text = setting.kind === 'text' && setting.raw ? raw : raw?.trim();
  if (text === undefined || text === '') {
    return ('default' in setting ? setting.default : undefined) as SettingValue<N>;
  }
  return parseGiven(name, setting, text) as SettingValue<N>;
}

function parseGiven(name: SettingName, setting: Setting, text: string): string | number | boolean {
  switch (setting.kind) {
    case 'integer':
      if (!/^\d+$/.test(text)) throw invalidSetting(name);
      return checkNumber(name, Number(text));
    case 'decimal':
      if (!/^\d+(\.\d+)?$/.test(text)) throw invalidSetting(name);
      return checkNumber(name, Number(text));
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      throw invalidSetting(name);
    }
    case 'choice': {
      // Any case is accepted; the value is the choice as the schema spells it (LOG_LEVEL=info is INFO,
      // CHECK_STRATEGY=Search is search).
      const choice = setting.choices.find((c) => c.toUpperCase() === text.toUpperCase());
      if (choice === undefined) throw invalidSetting(name);
      return choice;
    }
    case 'text': {
      if (!setting.check) return text;
      const checked = setting.check(text);
      if (checked === undefined) throw invalidSetting(name);
      return checked;
    }
  }
}
