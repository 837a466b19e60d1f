// Every job type the worker role runs. Each lives in its own file under src/jobs/.
import type { JobType } from "./job-type.js";

export function allJobTypes(): JobType[] {
  return [];
}
