import { Select, type SelectProps } from '@mantine/core';
import { useMemo } from 'react';

/**
 * Time zones and languages are picked from lists, never typed: an IANA zone the browser knows (the
 * server checks it again), a locale from the languages Rollcall's customers work in.
 */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  // browsers list UTC under its own name or not at all; it is the default, so it is always offered
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

const NATIVE = [
  { value: 'en-GB', label: 'English (United Kingdom)' },
  { value: 'en-US', label: 'English (United States)' },
  { value: 'en-AU', label: 'English (Australia)' },
  { value: 'en-CA', label: 'English (Canada)' },
  { value: 'en-IE', label: 'English (Ireland)' },
  { value: 'de-DE', label: 'Deutsch' },
  { value: 'de-AT', label: 'Deutsch (Österreich)' },
  { value: 'de-CH', label: 'Deutsch (Schweiz)' },
  { value: 'fr-FR', label: 'Français' },
  { value: 'fr-BE', label: 'Français (Belgique)' },
  { value: 'fr-CA', label: 'Français (Canada)' },
  { value: 'fr-CH', label: 'Français (Suisse)' },
  { value: 'es-ES', label: 'Español' },
  { value: 'es-MX', label: 'Español (México)' },
  { value: 'it-IT', label: 'Italiano' },
  { value: 'nl-NL', label: 'Nederlands' },
  { value: 'nl-BE', label: 'Nederlands (België)' },
  { value: 'pt-PT', label: 'Português' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
  { value: 'pl-PL', label: 'Polski' },
  { value: 'cs-CZ', label: 'Čeština' },
  { value: 'sk-SK', label: 'Slovenčina' },
  { value: 'hu-HU', label: 'Magyar' },
  { value: 'ro-RO', label: 'Română' },
  { value: 'sv-SE', label: 'Svenska' },
  { value: 'da-DK', label: 'Dansk' },
  { value: 'nb-NO', label: 'Norsk bokmål' },
  { value: 'fi-FI', label: 'Suomi' },
  { value: 'el-GR', label: 'Ελληνικά' },
  { value: 'tr-TR', label: 'Türkçe' },
  { value: 'uk-UA', label: 'Українська' },
  { value: 'ja-JP', label: '日本語' },
  { value: 'zh-CN', label: '中文（简体）' },
  { value: 'ko-KR', label: '한국어' },
];

/** Each language by its own name and, for searching in English, by its English one: "Deutsch · German (Germany)". */
export const LOCALES = NATIVE.map(({ value, label }) => {
  const english = (() => {
    try {
      return new Intl.DisplayNames(['en'], { type: 'language' }).of(value);
    } catch {
      return undefined;
    }
  })();
  return { value, label: english && !label.startsWith('English') ? `${label} · ${english}` : label };
});

type PickerProps = Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (value: string | null) => void;
};

/** A searchable list of IANA zones; a saved value the browser does not list stays selectable. */
export function TimeZoneSelect({ value, onChange, ...props }: PickerProps) {
  const zones = useMemo(timeZones, []);
  const data = value && !zones.includes(value) ? [value, ...zones] : zones;
  return (
    <Select
      searchable
      clearable
      nothingFoundMessage="No time zone matches"
      maxDropdownHeight={280}
      {...props}
      data={data}
      value={value}
      onChange={onChange}
    />
  );
}

/** A searchable list of languages by their own names; a saved locale not listed stays selectable. */
export function LocaleSelect({ value, onChange, ...props }: PickerProps) {
  const data =
    value && !LOCALES.some((l) => l.value === value) ? [{ value, label: value }, ...LOCALES] : LOCALES;
  return (
    <Select
      searchable
      clearable
      nothingFoundMessage="No language matches"
      maxDropdownHeight={280}
      {...props}
      data={data}
      value={value}
      onChange={onChange}
    />
  );
}
