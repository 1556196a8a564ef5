// Imported first by every entry point: instrumentation must patch modules before they load.
import { startTracing } from './tracing';

startTracing();
