import { defineContract } from "./contract/define-contract.js";
import { sidecarMode } from "./contract/kernel-mode.js";
import { langchainDriver } from "./drivers/langchain.js";

defineContract(langchainDriver);
defineContract(langchainDriver, sidecarMode());
