// The queue handle lives in the bottom layer (src/queue/); the entry points and tests that import it from here
// keep working.
export { JobQueues } from "../queue/queues.js";
