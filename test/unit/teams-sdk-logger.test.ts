// The Teams SDK logs whole activities at debug level; none of their content may reach the service's logs.
import { expect, it } from "vitest";
import { sdkLogger } from "../../adapters/teams/sdk-logger.js";
import { capturingLogger } from "../helpers/env.js";

it("keeps the SDK's words and drops the objects it logs, such as an inbound activity with form data", () => {
  const { logger, lines } = capturingLogger();
  const sdk = sdkLogger(logger).child("http");
  const activity = { type: "invoke", value: { action: { data: { "restricted.childName": "Logged Secret Child" } } } };
  sdk.debug("Handling activity", activity);
  sdk.error("Error processing activity:", new Error("handler failed"));
  sdk.log("warn", "slow", { body: "Logged Secret Child" });
  const text = lines.join("\n");
  expect(text).toContain("Handling activity [object]");
  expect(text).toContain("handler failed");
  expect(text).not.toContain("Logged Secret Child");
});
