import { defineContract } from "./contract/define-contract.js";
import { sidecarMode } from "./contract/kernel-mode.js";
import { referenceDriver } from "./drivers/reference.js";

defineContract(referenceDriver);
defineContract(referenceDriver, sidecarMode());
