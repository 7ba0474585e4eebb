import { defineContract } from "./contract/define-contract.js";
import { langchainDriver } from "./drivers/langchain.js";

defineContract(langchainDriver);
