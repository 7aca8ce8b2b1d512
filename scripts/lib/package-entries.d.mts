/** Types of package-entries.mjs (a plain Node script module, also imported by vitest.config.ts). */
export interface LibraryEntry {
  subpath: string;
  specifier: string;
  source: string;
  output: string;
  types: string;
  browser: boolean;
}
export const ROOT: string;
export const PACKAGE_DIR: string;
export const BROWSER_SUBPATHS: string[];
export function readLibraryPackage(root?: string): {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
export function libraryEntries(root?: string): LibraryEntry[];
export function expectedTsconfigPaths(root?: string): Record<string, string[]>;
