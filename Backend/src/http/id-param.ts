import { ApiParam } from '@nestjs/swagger';

/**
 * Documents the `:id` path parameter of a route that parses it with ParseUUIDPipe: a UUID
 * (anything else is a 400), so clients and the fuzzer (test/resilience/fuzz.resilience.ts)
 * read the same contract the route enforces.
 */
export const ApiIdParam = () => ApiParam({ name: 'id', type: String, format: 'uuid' });
