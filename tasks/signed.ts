// rx: tasks of signed handovers (EIP-712): sign an operation into a file, co-sign a handover, inspect a signed
// file, submit it from any account, revoke the signatures handed out but not submitted. Thin entry points over
// src/commands/signed/.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { resolveSigner } from "../src/commands/shared/cli";
import { contextOf } from "../src/commands/packs/selection";
import { REJECTION_REASONS } from "../src/commands/custody/shipments";
import { cosignFile, parseCosignArgs, type CosignArgs } from "../src/commands/signed/cosign";
import { formatInspectResult, inspectFile, inspectJson, parseInArgs, type InspectArgs } from "../src/commands/signed/inspect";
import { NOT_READY_EXIT_CODE } from "../src/commands/signed/shared";
import { cancelHandoverFile, parseCancelHandoverArgs, parseRevokeArgs, revokeSignaturesOf, type CancelHandoverArgs, type RevokeArgs } from "../src/commands/signed/revoke";
import { parseSignArgs, signToFile, type SignArgs } from "../src/commands/signed/sign";
import { parseSubmitArgs, submitFile, type SubmitArgs } from "../src/commands/signed/submit";

interface WithSigner {
  signer?: string;
}

task("rx:sign", "Signs a ship, receive, reject or handover (EIP-712) into a file that anyone can submit")
  .addOptionalParam("kind", "ship | receive | reject | handover")
  .addOptionalParam("out", "the signed file to write (JSON, rxtrace-signed/1)")
  .addOptionalParam("gtin", "ship, handover: the product's GTIN (AI 01), with --lot")
  .addOptionalParam("lot", "ship, handover: the lot (AI 10), with --gtin")
  .addOptionalParam("batch", "ship, handover: the batch id instead of --gtin and --lot")
  .addOptionalParam("to", "ship, handover: the receiver, address or 13-digit GLN")
  .addOptionalParam("quantity", "ship, handover: units (with --serials, --all-remaining or --cases: optional, must match the packs; to a dispenser, of a serialized lot, --quantity alone picks that many packs the signer holds loose, as rx:ship does)")
  .addOptionalParam("manifest", "ship, handover: a raw Merkle root of the packs (no manifest file; --serials and the others build one)")
  .addOptionalParam("serials", "ship, handover: these packs loose, with a manifest written next to --out: a file of serials, one per line or a JSON array")
  .addFlag("allRemaining", "ship, handover: every pack the signer holds loose, by its serial file and the manifests it received")
  .addOptionalParam("cases", "ship, handover: these sealed cases whole: SSCCs separated by commas (see rx:case-seal)")
  .addOptionalParam("shipment", "receive, reject: the shipment id (see rx:shipments)")
  .addOptionalParam("logger", "receive, handover: the carrier's logger file, CSV lines of timestamp,celsius")
  .addOptionalParam("reason", `reject: ${Object.keys(REJECTION_REASONS).join(" | ")}`)
  .addOptionalParam("evidence", "reject: a photo, report or note; its keccak256 is signed")
  .addOptionalParam("deadline", "a duration from now (30m, 24h, 7d) or a date-time with its zone (default 24h)")
  .addOptionalParam("nonce", "the nonce to sign (default: the next one on chain; higher to sign ahead)")
  .addOptionalParam("signer", "the signer: the sender (ship, handover) or the receiver (receive, reject); account index or address (default 0)")
  .setAction(async (args: SignArgs & WithSigner, hre) =>
    withSuite(hre, () => parseSignArgs(args), async ({ rx, record }, input) =>
      signToFile(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );

task("rx:cosign", "The receiver co-signs a handover file the sender signed")
  .addOptionalParam("in", "the handover file (from rx:sign --kind handover)")
  .addOptionalParam("out", "where to write the co-signed file (default: in place)")
  .addOptionalParam("logger", "the receiver's copy of the logger file: checked against the signed summary")
  .addOptionalParam("manifest", "the handover's manifest file, checked before co-signing (default: the one next to --in, as rx:sign wrote it)")
  .addFlag("acceptMismatch", "co-sign even when the manifest is missing or does not match (prints each problem)")
  .addOptionalParam("signer", "the receiver: account index or address (default 0)")
  .setAction(async (args: CosignArgs & WithSigner, hre) =>
    withSuite(hre, () => parseCosignArgs(args), async ({ rx, record }, input) =>
      cosignFile(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );

task("rx:signed", "Inspects a signed file (read-only): the fields in words, who signed, and whether the contract would accept it now")
  .addOptionalParam("in", "the signed file")
  .addFlag("json", "print one JSON object instead of text")
  .setAction(async (args: InspectArgs & { json: boolean }, hre) => {
    const result = await withSuite(hre, () => parseInArgs(args), async ({ rx, record }, input) => {
      const inspected = await inspectFile(rx, input, contextOf(record).fromBlock);
      console.log(args.json ? inspectJson(inspected) : (await formatInspectResult(rx, inspected)).join("\n"));
      return inspected;
    });
    // 0 when the contract would accept the file now; the README lists the codes.
    process.exitCode = result.inspection.ready ? 0 : NOT_READY_EXIT_CODE;
    return result;
  });

task("rx:submit", "Submits a signed file from any account; prints the transaction and the shipment or handover id")
  .addOptionalParam("in", "the signed file (co-signed, for a handover)")
  .addOptionalParam("manifest", "ship, handover: the manifest to keep once mined (default: the one next to --in)")
  .addOptionalParam("signer", "the account that sends and pays: index or address (default 0)")
  .setAction(async (args: SubmitArgs & WithSigner, hre) =>
    withSuite(hre, () => parseSubmitArgs(args), async ({ rx, record }, input) =>
      submitFile(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );

task("rx:revoke-signatures", "Revokes the ship, receive and reject signatures the signer handed out and nobody submitted (works while paused or suspended)")
  .addOptionalParam("next", "the signer's next signature nonce once revoked, above its current one: every signature with a lower nonce becomes void")
  .addOptionalParam("signer", "the partner revoking its own signatures: account index or address (default 0)")
  .setAction(async (args: RevokeArgs & WithSigner, hre) =>
    withSuite(hre, () => parseRevokeArgs(args), async ({ rx }, input) => revokeSignaturesOf(rx, await resolveSigner(hre, args.signer), input)),
  );

task("rx:cancel-handover", "Cancels a co-signed handover before it is submitted: its sender, or its receiver showing the sender's signature (works while paused or suspended)")
  .addOptionalParam("in", "the handover file (signed by the sender; co-signed or not)")
  .addOptionalParam("signer", "the handover's sender or receiver: account index or address (default 0)")
  .setAction(async (args: CancelHandoverArgs & WithSigner, hre) =>
    withSuite(hre, () => parseCancelHandoverArgs(args), async ({ rx, record }, input) => cancelHandoverFile(rx, await resolveSigner(hre, args.signer), input, console.log, record.contracts.RxTrace.blockNumber)),
  );
