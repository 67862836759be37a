/**
 * Characters a file name never shows: control characters (C0, DEL, C1), the bidirectional
 * controls that make "photo\u202Egnp.exe" read as "photoexe.png" (ALM, LRM, RLM, the embeddings,
 * overrides and isolates), line and paragraph separators, and invisible characters (zero-width
 * space, word joiner, invisible operators, deprecated format controls, BOM, annotation marks).
 * ZWJ and ZWNJ stay: scripts such as Persian and Devanagari need them.
 */
const HIDDEN = /[\p{Cc}\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;

/**
 * The name to show: the last path segment, without hidden characters, at most 255 characters.
 * Never used as a path (storage keys are server-generated).
 */
export function displayName(name: string): string {
  const base = name.split(/[/\\]/).filter(Boolean).pop() ?? '';
  const clean = base.replace(HIDDEN, '').trim();
  return clean && clean !== '.' && clean !== '..' ? [...clean].slice(0, 255).join('') : 'file';
}
