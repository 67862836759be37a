/** `git status --porcelain` lines of `dir` (the checkout by default), or null outside git. */
export function treeState(dir?: string): string[] | null;
/** What is changed or new in `dir` now that was not in `before`. */
export function changedSince(before: string[] | null, dir?: string): string[];
/** Warns of what `what` changed in the checkout since `before`, and returns it. */
export function warnOfChanges(before: string[] | null, what: string): string[];
