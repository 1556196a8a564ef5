import { type ArgumentMetadata, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldErrorDto } from './error-body';

function flatten(errors: ValidationError[], prefix = ''): FieldErrorDto[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const NOT_DTO: unknown[] = [Object, String, Number, Boolean, Array];

const bodyRequired = () =>
  new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Invalid request: body', [{ field: 'body', message: 'the request body must be a JSON object' }]);

/**
 * A DTO body must be a JSON object. Nest's pipe validates a missing (or `null`) body as `{}`
 * and then hands the handler `undefined`: that still names every missing required field,
 * but a PATCH whose fields are all optional answered 200 to no body at all. Now that case
 * is a 400 naming `body`, and so is an array or a bare value (no DTO either).
 */
class BodyObjectValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body' || typeof metadata.metatype !== 'function' || NOT_DTO.includes(metadata.metatype)) return super.transform(value, metadata);
    if (value === undefined || value === null) {
      await super.transform({}, metadata);
      throw bodyRequired();
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw bodyRequired();
    return super.transform(value, metadata);
  }
}

/** DTO validation: unknown fields are refused, types are checked, every bad field is named. */
export function createValidationPipe(): ValidationPipe {
  return new BodyObjectValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `Invalid request: ${fields}`, details);
    },
  });
}
