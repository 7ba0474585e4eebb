/**
 * `@agentgov/rl-guard/demo`: the deterministic offline demo (RL-GUARD.md §13).
 *
 * @example
 * const result = await runDemo(CI_PROFILE);
 * console.log([...result.lines, ...result.timing].join("\n"));
 */
export { runDemo, CI_PROFILE, type DemoOptions, type DemoResult, type Acceptance } from "./run-demo.js";
export { writeDemoOutputs } from "./outputs.js";
export { trainArm, type TrainOptions, type ArmRun, type EpochFigures } from "./train.js";
export { armConfig, CI_ARMS, type ArmName } from "./arms.js";
export { renderChart, type Series } from "./chart.js";
export { integritySuite, type SuiteCase } from "./integrity-suite.js";
export { mulberry32, seedSigner, type Rng } from "./rng.js";
export { ACTIONS, TaskWorld, TabularPolicy, type SimAction } from "./sim.js";
export { demoMain } from "./cli.js";
