// tsc emits no .lua files: copy the Redis scripts next to their compiled modules in dist/, where
// they are loaded from (readFileSync(new URL('./x.lua', import.meta.url))).
import { cpSync, statSync } from 'node:fs';

cpSync('src', 'dist/src', { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.lua') });
