// rx: tasks of delivery exceptions (docs/custody.md, "Delivery exceptions"): a partial receipt, the end of a dispute,
// an overage, the DSCSA-shaped exception report. Thin entry points over src/commands/custody/exceptions.ts.
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { IExceptions, RxTrace } from "../typechain-types";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { parseBytes32, resolveSigner } from "../src/commands/shared/cli";
import {
  actOnException,
  exceptionReport,
  EXCEPTION_ACTS,
  EXCEPTION_REASONS,
  parseExceptionArgs,
  parseOverageArgs,
  parseReceivePartialArgs,
  receivePartially,
  reportOverage,
  type ExceptionArgs,
  type OverageArgs,
  type ReceivePartialArgs,
} from "../src/commands/custody/exceptions";

interface WithSigner {
  signer?: string;
}

/** IExceptions at the suite's address (the core forwards its functions to the second extension). */
async function exceptionsOf(hre: HardhatRuntimeEnvironment, rx: RxTrace): Promise<IExceptions> {
  return (await hre.ethers.getContractAt("IExceptions", await rx.getAddress())) as unknown as IExceptions;
}

task("rx:receive-partial", "Accepts part of a shipment with the leg's logger file and disputes the rest (an exception: underage, damaged, wrong product, missing data)")
  .addParam("shipment", "the shipment id (see rx:shipments)")
  .addParam("accepted", "units accepted: 1 to the shipment's quantity - 1")
  .addParam("reason", Object.keys(EXCEPTION_REASONS).join(" | "))
  .addParam("logger", "the logger file: CSV lines of timestamp,celsius (the same rule as rx:receive: an excursion quarantines)")
  .addOptionalParam("evidence", "a photo, delivery note or report; its keccak256 is recorded")
  .addOptionalParam("missing", "on a pack leg: the serials of the packs not accepted (one per line or a JSON array); their manifest root is recorded")
  .addOptionalParam("signer", "the receiver: account index or address (default 0)")
  .setAction(async (args: ReceivePartialArgs & WithSigner, hre) =>
    withSuite(hre, () => parseReceivePartialArgs(args), async ({ rx, record }, input) =>
      receivePartially(rx, await exceptionsOf(hre, rx), await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input),
    ),
  );

task("rx:exception", "Ends (or proposes the end of) a shipment's disputed units: found (receiver), lost (both parties), returned then confirm-return, or close (a regulator)")
  .addParam("shipment", "the shipment id")
  .addParam("act", EXCEPTION_ACTS.join(" | "))
  .addOptionalParam("outcome", "with --act close: found | lost | returned")
  .addOptionalParam("reason", "with --act close: the regulator's finding (a file); its keccak256 is recorded")
  .addOptionalParam("signer", "the sender, the receiver or a regulator: account index or address (default 0)")
  .setAction(async (args: ExceptionArgs & WithSigner, hre) =>
    withSuite(hre, () => parseExceptionArgs(args), async ({ rx, record }, input) =>
      actOnException(rx, await exceptionsOf(hre, rx), await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input),
    ),
  );

task("rx:overage", "Reports units more than a shipment carried (an overage): an event, never stock")
  .addParam("shipment", "the shipment id (in transit, or with an exception raised)")
  .addParam("units", "the units more than shipped")
  .addOptionalParam("evidence", "a photo, delivery note or report; its keccak256 is recorded")
  .addOptionalParam("signer", "the receiver: account index or address (default 0)")
  .setAction(async (args: OverageArgs & WithSigner, hre) =>
    withSuite(hre, () => parseOverageArgs(args), async ({ rx, record }, input) =>
      reportOverage(rx, await exceptionsOf(hre, rx), await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input),
    ),
  );

task("rx:exception-report", "Writes a shipment's exceptions as JSON in the DSCSA exception-notification shape (read-only)")
  .addParam("shipment", "the shipment id")
  .addOptionalParam("out", "the file to write (default: print)")
  .setAction(async (args: { shipment?: string; out?: string }, hre) =>
    withSuite(hre, () => parseBytes32(args.shipment, "--shipment", "a shipment id"), async ({ rx, record }, shipmentId) =>
      exceptionReport(rx, record.contracts.RxTrace.blockNumber, shipmentId, args.out),
    ),
  );
