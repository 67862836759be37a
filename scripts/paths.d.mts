export const ROOT_DIR: string;
export const APPS: string[];
export function appEntry(app: string): string;
export const NODE_FLAGS: Record<string, string[]>;
export function nodeFlags(app: string): string[];
