// rx: tasks of the custody group: ship (by quantity, or named packs and cases with a manifest), list shipments
// in transit, receive with the logger file (and the manifest), reject. Thin entry points over
// src/commands/custody/shipments.ts.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { parseBytes32, resolveSigner } from "../src/commands/shared/cli";
import { InputError } from "../src/domain/errors";
import { contextOf } from "../src/commands/packs/selection";
import {
  cancelOverdue,
  listShipments,
  writeSampleLogger,
  parseReceiveArgs,
  parseRejectArgs,
  parseShipArgs,
  parseShipmentsArgs,
  receiveWithLogger,
  rejectWithReason,
  shipUnits,
  REJECTION_REASONS,
  type ReceiveArgs,
  type RejectArgs,
  type ShipArgs,
  type ShipmentsArgs,
} from "../src/commands/custody/shipments";

interface WithSigner {
  signer?: string;
}

task("rx:ship", "Ships saleable units of a batch to a partner, by quantity or as named packs with a manifest; prints the shipment id")
  .addParam("gtin", "the product's GTIN (AI 01)")
  .addParam("lot", "the lot (AI 10)")
  .addParam("to", "the receiver: address or 13-digit GLN")
  .addOptionalParam(
    "quantity",
    "units to ship (with --serials, --all-remaining or --cases: optional, must match the packs). A serialized lot reaches a dispenser only " +
      "in pack legs: to a dispenser, --quantity alone picks that many packs the sender holds loose, in the serial file's order, prints them " +
      "and ships them with a manifest (refused when the sender holds fewer by the files at hand)",
  )
  .addOptionalParam("serials", "ship these packs loose, with a manifest: a file of serials, one per line or a JSON array")
  .addFlag("allRemaining", "ship every pack the sender holds loose, by its serial file and the manifests it received")
  .addOptionalParam("cases", "ship these sealed cases whole: SSCCs separated by commas (see rx:case-seal)")
  .addOptionalParam("manifestOut", "also write the manifest here (it is always kept under deployments/<network>/manifests/)")
  .addOptionalParam("signer", "the sender: account index or address (default 0)")
  .setAction(async (args: ShipArgs & WithSigner, hre) =>
    withSuite(hre, () => parseShipArgs(args), async ({ rx, record }, input) =>
      shipUnits(rx, await resolveSigner(hre, args.signer), input, console.log, contextOf(record)),
    ),
  );

task("rx:shipments", "Lists the shipments in transit (read-only), to find a shipment id")
  .addOptionalParam("to", "only shipments to this receiver: address or 13-digit GLN")
  .addOptionalParam("gtin", "only shipments of this GTIN (with --lot)")
  .addOptionalParam("lot", "only shipments of this lot (with --gtin)")
  .setAction(async (args: ShipmentsArgs, hre) =>
    withSuite(hre, () => parseShipmentsArgs(args), async ({ rx, record }, input) =>
      listShipments(rx, record.contracts.RxTrace.blockNumber, input),
    ),
  );

task(
  "rx:receive",
  "Receives a shipment with the carrier's temperature logger file (CSV timestamp,celsius), checking its manifest; a shipment its sender cancelled is received into quarantine",
)
  .addParam("shipment", "the shipment id (see rx:shipments)")
  .addParam("logger", "the logger file: CSV lines of timestamp,celsius")
  .addOptionalParam("manifest", "the manifest that came with the goods (default: deployments/<network>/manifests/<shipment>.json)")
  .addFlag("acceptMismatch", "receive even when the manifest is missing or does not match the chain (prints each problem)")
  .addOptionalParam("signer", "the receiver: account index or address (default 0)")
  .setAction(async (args: ReceiveArgs & WithSigner, hre) =>
    withSuite(hre, () => parseReceiveArgs(args), async ({ rx, record }, input) =>
      receiveWithLogger(rx, await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input, console.log, contextOf(record)),
    ),
  );

task(
  "rx:reject",
  "Rejects a shipment with the leg's logger summary; its units go back to the sender, saleable only when the leg stayed in range and the reason is not damaged or no-temperature-data, else into the sender's quarantine",
)
  .addParam("shipment", "the shipment id (see rx:shipments)")
  .addParam("reason", Object.keys(REJECTION_REASONS).join(" | "))
  .addOptionalParam("evidence", "a photo, report or note; its keccak256 is recorded")
  .addOptionalParam("logger", "the leg's logger file, CSV lines of timestamp,celsius (as for rx:receive); without it the rejection states no data and the units go into the sender's quarantine")
  .addOptionalParam("signer", "the receiver: account index or address (default 0)")
  .setAction(async (args: RejectArgs & WithSigner, hre) =>
    withSuite(hre, () => parseRejectArgs(args), async ({ rx, record }, input) =>
      rejectWithReason(rx, await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input),
    ),
  );

task("rx:cancel", "The sender takes back a shipment its receiver left unsettled for 30 days (CANCEL_AFTER)")
  .addParam("shipment", "the shipment id (see rx:shipments)")
  .addOptionalParam("signer", "the sender: account index or address (default 0)")
  .setAction(async (args: { shipment?: string } & WithSigner, hre) =>
    withSuite(hre, () => parseBytes32(args.shipment, "--shipment", "a shipment id"), async ({ rx, record }, shipmentId) =>
      cancelOverdue(rx, await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, shipmentId),
    ),
  );

task("rx:logger-sample", "Writes a sample logger file for a shipment in transit, to try rx:receive (a real file comes from the carrier)")
  .addParam("shipment", "the shipment id (see rx:shipments)")
  .addOptionalParam("from", "the logger CSV whose readings are used", "examples/logger-good.csv")
  .addParam("out", "the file to write, e.g. leg.csv")
  .setAction(async (args: { shipment?: string; from: string; out?: string }, hre) =>
    withSuite(
      hre,
      () => {
        const shipmentId = parseBytes32(args.shipment, "--shipment", "a shipment id");
        if (args.out === undefined || args.out.trim() === "") throw new InputError("--out", args.out ?? "", "the path of the logger file to write");
        return shipmentId;
      },
      async ({ rx, record }, shipmentId) => writeSampleLogger(rx, record.contracts.RxTrace.blockNumber, shipmentId, args.from, args.out as string),
    ),
  );
