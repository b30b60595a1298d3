import { task, types } from "hardhat/config";
import { runCommand } from "../src/commands/shared/cli";
import { deploySuite, verifyOnExplorer } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";
import { isAddress } from "ethers";

interface DeployArgs {
  admin?: string;
  pauser?: string;
  operator?: string;
  adminDelay?: string;
  timelockDelay?: string;
  proposer?: string;
  iKnow: boolean;
  redeploy: boolean;
  takeOver: boolean;
}

task("rx:deploy", "Deploys the suite and writes deployments/<network>.json")
  .addOptionalParam("admin", "first admin (DEFAULT_ADMIN_ROLE); default: RXTRACE_ADMIN or the deployer")
  .addOptionalParam("pauser", "first pauser; default: RXTRACE_PAUSER or the deployer")
  .addOptionalParam("operator", "first operator (distributors, dispensers, suspensions); default: RXTRACE_OPERATOR or the pauser")
  .addOptionalParam("timelockDelay", "create a TimelockController admin with this delay in seconds; default: RXTRACE_TIMELOCK_DELAY, two days on public networks", undefined, types.string)
  .addOptionalParam("proposer", "who schedules the timelock's operations; default: RXTRACE_TIMELOCK_PROPOSER or the deployer")
  .addFlag("iKnow", "deploy on a public network even with an EOA admin or a zero delay (RXTRACE_I_KNOW=true)")
  .addOptionalParam("adminDelay", "seconds an admin handover waits; default: RXTRACE_ADMIN_DELAY or 0", undefined, types.string)
  .addFlag("redeploy", "replace the record of a live deployment on purpose")
  .addFlag("takeOver", "deploy a successor of the recorded deployment (docs/governance.md#migration): it names it as predecessor and stays paused until rx:migrate")
  .setAction(async (args: DeployArgs, hre) =>
    runCommand(undefined, async () => {
      const admin = args.admin ?? process.env.RXTRACE_ADMIN;
      const pauser = args.pauser ?? process.env.RXTRACE_PAUSER;
      const delay = args.adminDelay ?? process.env.RXTRACE_ADMIN_DELAY;
      const operator = args.operator ?? process.env.RXTRACE_OPERATOR;
      const timelockDelay = args.timelockDelay ?? process.env.RXTRACE_TIMELOCK_DELAY;
      const proposer = args.proposer ?? process.env.RXTRACE_TIMELOCK_PROPOSER;
      if (admin !== undefined && !isAddress(admin)) throw new InputError("--admin", admin, "an address (0x followed by 40 hex digits)");
      if (pauser !== undefined && !isAddress(pauser)) throw new InputError("--pauser", pauser, "an address (0x followed by 40 hex digits)");
      if (delay !== undefined && !/^\d+$/.test(delay)) throw new InputError("--admin-delay", delay, "a whole number of seconds");
      if (operator !== undefined && !isAddress(operator)) throw new InputError("--operator", operator, "an address (0x followed by 40 hex digits)");
      if (proposer !== undefined && !isAddress(proposer)) throw new InputError("--proposer", proposer, "an address (0x followed by 40 hex digits)");
      if (timelockDelay !== undefined && !/^\d+$/.test(timelockDelay)) {
        throw new InputError("--timelock-delay", timelockDelay, "a whole number of seconds");
      }
      const record = await deploySuite(hre, {
        admin,
        pauser,
        adminDelay: delay === undefined ? undefined : BigInt(delay),
        operator,
        timelockDelay: timelockDelay === undefined ? undefined : BigInt(timelockDelay),
        proposers: proposer === undefined ? undefined : [proposer],
        iKnow: args.iKnow || process.env.RXTRACE_I_KNOW === "true",
        redeploy: args.redeploy || process.env.REDEPLOY === "true",
        takeOver: args.takeOver,
        log: console.log,
      });
      await verifyOnExplorer(hre, record, console.log);
      return record;
    }),
  );
