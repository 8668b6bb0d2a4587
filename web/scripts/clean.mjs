// Removes the previous build output but keeps dist/.keep (a committed placeholder).
import { rmSync, mkdirSync } from 'node:fs';
rmSync('dist/assets', { recursive: true, force: true });
rmSync('dist/index.html', { force: true });
mkdirSync('dist', { recursive: true });
