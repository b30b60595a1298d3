import { task, types } from "hardhat/config";
import { runCommand } from "../src/commands/shared/cli";
import { deploySuite, verifyOnExplorer } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";
import { isAddress } from "ethers";

task("rx:deploy", "Deploys the suite and writes deployments/<network>.json")
  .addOptionalParam("admin", "first admin (DEFAULT_ADMIN_ROLE); default: RXTRACE_ADMIN or the deployer")
  .addOptionalParam("pauser", "first pauser; default: RXTRACE_PAUSER or the admin")
  .addOptionalParam("adminDelay", "seconds an admin handover waits; default: RXTRACE_ADMIN_DELAY or 0", undefined, types.string)
  .addFlag("redeploy", "replace the record of a live deployment on purpose")
  .setAction(async (args: { admin?: string; pauser?: string; adminDelay?: string; redeploy: boolean }, hre) =>
    runCommand(undefined, async () => {
      const admin = args.admin ?? process.env.RXTRACE_ADMIN;
      const pauser = args.pauser ?? process.env.RXTRACE_PAUSER;
      const delay = args.adminDelay ?? process.env.RXTRACE_ADMIN_DELAY;
      if (admin !== undefined && !isAddress(admin)) throw new InputError("--admin", admin, "an address (0x followed by 40 hex digits)");
      if (pauser !== undefined && !isAddress(pauser)) throw new InputError("--pauser", pauser, "an address (0x followed by 40 hex digits)");
      if (delay !== undefined && !/^\d+$/.test(delay)) throw new InputError("--admin-delay", delay, "a whole number of seconds");
      const record = await deploySuite(hre, {
        admin,
        pauser,
        adminDelay: delay === undefined ? undefined : BigInt(delay),
        redeploy: args.redeploy || process.env.REDEPLOY === "true",
        log: console.log,
      });
      await verifyOnExplorer(hre, record, console.log);
      return record;
    }),
  );
