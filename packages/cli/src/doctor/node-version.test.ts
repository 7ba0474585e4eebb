import { describe, expect, it } from "vitest";
import { checkNodeVersion } from "./node-version.js";

describe("the Node.js version check", () => {
  it("passes from 20.19.0 on", () => {
    expect(checkNodeVersion("20.19.0").status).toBe("pass");
    expect(checkNodeVersion("22.3.1").status).toBe("pass");
    expect(checkNodeVersion(process.versions.node).status).toBe("pass");
  });

  it("fails below 20.19, for a prerelease of 20.19.0 and for an unreadable version", () => {
    expect(checkNodeVersion("20.18.3")).toMatchObject({ status: "fail", message: "Node.js 20.18.3 (needs >=20.19.0): upgrade Node.js" });
    expect(checkNodeVersion("18.20.0").status).toBe("fail");
    expect(checkNodeVersion("20.19.0-rc.1").status).toBe("fail");
    expect(checkNodeVersion("v-twenty").status).toBe("fail");
  });
});
