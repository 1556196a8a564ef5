import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../src/errors/error-codes';
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi/write-openapi';

describe('OpenAPI document', () => {
  it('the committed Backend/openapi.json equals a fresh render (run `npm run generate` after changing routes)', async () => {
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(await renderOpenApi());
  });

  it('documents the health endpoints and the one error shape', async () => {
    const doc = JSON.parse(await renderOpenApi());
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(doc.components.schemas.ErrorBodyDto.required).toEqual(expect.arrayContaining(['statusCode', 'error', 'message']));
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('lists every error code the API answers with, and only codes the code really uses (AppError takes no other)', async () => {
    const doc = JSON.parse(await renderOpenApi());
    const described = doc.components.schemas.ErrorBodyDto.properties.error.description as string;
    for (const code of Object.keys(ERROR_CODES)) expect(described).toContain(`\`${code}\``);
    const src = path.join(__dirname, '..', 'src');
    const all = (fs.readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.endsWith('error-codes.ts'))
      .map((file) => fs.readFileSync(path.join(src, file), 'utf8'))
      .join('\n');
    expect(Object.keys(ERROR_CODES).filter((code) => !all.includes(`'${code}'`))).toEqual([]);
  });
});
