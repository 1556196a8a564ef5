import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED names every bad field) or an invalid code/token',
  401: 'Not authenticated (missing, invalid or expired token)',
  403: 'Authenticated but not allowed',
  404: 'Not found (or not yours)',
  409: 'Conflicts with the current state',
  429: 'Rate limited or locked out; see the Retry-After header',
};

/** Documents error answers with the one error body. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        type: ErrorBodyDto,
        description: DESCRIPTIONS[status] ?? 'Error',
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds until a retry can succeed', schema: { type: 'integer' } } } } : {}),
      }),
    ),
  );
}
