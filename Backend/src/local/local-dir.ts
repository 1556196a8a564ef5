import path from 'node:path';

/** Where the local platform keeps its state (`LOCAL_DATA_DIR`, default Backend/.local/, git-ignored). */
export const LOCAL_DIR = process.env.LOCAL_DATA_DIR ?? path.join(__dirname, '..', '..', '.local');

/** Where the running platform's parts are: written by `npm start`, read by `npm run demo`. */
export const PLATFORM_FILE = path.join(LOCAL_DIR, 'platform.json');
