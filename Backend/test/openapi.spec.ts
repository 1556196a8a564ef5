import fs from 'node:fs';
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
});
