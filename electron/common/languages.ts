/**
 * Languages as players need them: BCP 47 tags from the ISO 639-2 codes containers carry ("fra" and
 * "fre" → "fr", "ger" → "de"), and each language's name in its own words ("Français", "日本語") for
 * a rendition's NAME — both from the platform's Intl data (ICU/CLDR), nothing hand-written.
 */

/** The BCP 47 tag of a container's language code, or undefined for none/undetermined/invalid. */
export function bcp47(tag: string | undefined): string | undefined {
  if (!tag || ['und', 'zxx', 'mis', 'mul', 'qaa'].includes(tag.toLowerCase())) return undefined;
  try {
    return Intl.getCanonicalLocales(tag.replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/** The language's own name for itself, first letter capitalised in that language ("Français"). */
export function endonym(language: string): string {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language', fallback: 'none' }).of(language);
    if (!name) return language;
    return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
  } catch {
    return language;
  }
}

/** Two tags name the same language (en-GB is en). */
export function sameLanguage(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.split('-')[0]!.toLowerCase() === b.split('-')[0]!.toLowerCase();
}
