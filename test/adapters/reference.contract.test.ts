import { defineContract } from "./contract/define-contract.js";
import { referenceDriver } from "./drivers/reference.js";

defineContract(referenceDriver);
