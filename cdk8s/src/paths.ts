import * as path from 'node:path';

/** Repository root (works from src/ under ts-jest and from dist/ after tsc). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}
