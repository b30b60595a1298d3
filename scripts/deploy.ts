/**
 * `npm run deploy -- --network <name>`: deploys the suite and writes deployments/<network>.json.
 * Settings come from .env: RXTRACE_ADMIN, RXTRACE_PAUSER, RXTRACE_OPERATOR, RXTRACE_ADMIN_DELAY,
 * RXTRACE_TIMELOCK_DELAY, RXTRACE_TIMELOCK_PROPOSER, RXTRACE_I_KNOW=true (see docs/governance.md), REDEPLOY=true to replace a
 * live deployment's record on purpose, ETHERSCAN_API_KEY to verify the source (Etherscan V2 API).
 */
import hre from "hardhat";

hre.run("rx:deploy").catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
