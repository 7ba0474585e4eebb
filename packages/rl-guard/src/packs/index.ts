/**
 * Built-in rule packs (RL-GUARD.md §5), referenced as `pack:<name>` in `policies`. They are
 * ordinary agentgov/v1 policies over the `facets` the gate computes; `default_action:
 * allow`, since the phase allow-list is the default-deny.
 */
import type { PolicyDocument } from "@agentgov/core";

const WRITE = "facets.kind == 'write'";

/** Every built-in pack by name. */
export const PACKS: Readonly<Record<string, PolicyDocument>> = Object.freeze({
  "coding/test-tamper": {
    apiVersion: "agentgov/v1",
    name: "rl.coding.test-tamper",
    default_action: "allow",
    rules: [
      {
        name: "test-tamper",
        action: "deny",
        severity: "high",
        message: "Tests and test configuration are read-only during training",
        condition: `${WRITE} and (facets.path startswith 'tests/' or facets.path contains '/tests/' or facets.basename in ['pytest.ini', 'tox.ini', 'setup.cfg', 'pyproject.toml'] or facets.basename == 'package.json')`,
      },
      {
        name: "harness-tamper",
        action: "deny",
        severity: "high",
        message: "Test harness files are read-only during training",
        condition: `${WRITE} and (facets.basename in ['conftest.py', 'sitecustomize.py', 'usercustomize.py'] or facets.basename endswith '.pth' or facets.basename startswith 'jest.config.' or facets.basename startswith 'vitest.config.')`,
      },
    ],
  },
  "coding/grader-tamper": {
    apiVersion: "agentgov/v1",
    name: "rl.coding.grader-tamper",
    default_action: "allow",
    rules: [
      { name: "grader-tamper", action: "deny", severity: "critical", message: "The grader and reward files are off limits", condition: "facets.grader" },
      { name: "env-secrets", action: "deny", severity: "critical", message: "Trainer and guard secrets are off limits", condition: "facets.kind == 'env' and (args.name startswith 'AGL_' or args.name startswith 'AGENTGOV_')" },
    ],
  },
  "net/egress": {
    apiVersion: "agentgov/v1",
    name: "rl.net.egress",
    default_action: "allow",
    rules: [{ name: "egress", action: "deny", severity: "high", message: "Network access is limited to allowed hosts", condition: "facets.kind == 'net' and not facets.url.allowed" }],
  },
  "vcs/git-history": {
    apiVersion: "agentgov/v1",
    name: "rl.vcs.git-history",
    default_action: "allow",
    rules: [
      {
        name: "git-history",
        action: "deny",
        severity: "high",
        message: "Version-control history is off limits",
        condition: "facets.argv0 == 'git' or facets.basename == '.git' or facets.path startswith '.git/' or facets.path contains '/.git/' or '--git-dir' in facets.argv or '--work-tree' in facets.argv",
      },
    ],
  },
  "pkg/install": {
    apiVersion: "agentgov/v1",
    name: "rl.pkg.install",
    default_action: "allow",
    rules: [
      {
        name: "pkg-install",
        action: "deny",
        severity: "medium",
        message: "Installing packages is not allowed during training",
        condition: "facets.argv0 in ['pip', 'pip3', 'conda', 'uv'] or (facets.argv0 == 'npm' and ('install' in facets.argv or 'i' in facets.argv))",
      },
    ],
  },
});
