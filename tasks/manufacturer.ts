// The manufacturer's commands: commission one batch from flags (rx:commission) or many from a JSON or CSV
// file (rx:import). Thin entry points over src/commands/commission/commission.ts and src/commands/commission/batch-import.ts.
import { task } from "hardhat/config";
import { rxInterface } from "../src/commands/admin/admin";
import { importBatches } from "../src/commands/commission/batch-import";
import { resolveSigner, runCommand } from "../src/commands/shared/cli";
import {
  checkBatchFields, commissionOne, type BatchFields } from "../src/commands/commission/commission";
import { connect } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";

task("rx:commission", "Commissions one batch: validates everything, sends, saves the serial file")
  .addParam("gtin", "GTIN-14 (or -8/-12/-13), check digit included, under one of your company prefixes")
  .addParam("lot", "lot number as printed, AI (10): 1 to 20 characters of GS1 set 82")
  .addParam("expiry", "expiry as YYMMDD (AI 17) or YYYY-MM-DD")
  .addParam("quantity", "units commissioned")
  .addParam("minTemp", "lowest storage temperature, °C (e.g. 2)")
  .addParam("maxTemp", "highest storage temperature, °C (e.g. 8)")
  .addParam("certificate", "the certificate of origin file, hashed with keccak256")
  .addParam("certificateUri", "where to fetch the certificate (ipfs://<CID>, https://…)")
  .addOptionalParam("serials", "file of pack serials (one per line, or a JSON array); as many as --quantity")
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: BatchFields & { signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const fields: BatchFields = {
        gtin: args.gtin,
        lot: args.lot,
        expiry: args.expiry,
        quantity: args.quantity,
        minTemp: args.minTemp,
        maxTemp: args.maxTemp,
        certificate: args.certificate,
        certificateUri: args.certificateUri,
        serials: args.serials,
      };
      // Bad flags are reported even when the deployment cannot be reached; with a deployment, commissionOne
      // checks them all, the expiry against the chain's clock included.
      const { rx, record } = await connect(hre).catch((error: unknown) => {
        checkBatchFields(fields);
        throw error;
      });
      const signer = await resolveSigner(hre, args.signer);
      return commissionOne(
        { rx, signer, signerAddress: signer.address, network: hre.network.name, fromBlock: record.contracts.RxTrace.blockNumber },
        fields,
      );
    }),
  );

task("rx:import", "Commissions the batches of a JSON or CSV file; re-running skips what is on-chain already")
  .addParam(
    "file",
    "batches.csv (a header line, then one batch per line, comma-separated) or batches.json (an array of objects). " +
      "Columns / keys: gtin (GTIN-14, check digit included), lot (AI 10), expiry (YYMMDD or YYYY-MM-DD), " +
      "quantity (units), min_temp and max_temp (storage range in °C, one decimal at most), certificate (a file, " +
      "hashed with keccak256), certificate_uri (ipfs://… or https://…), serials (optional: a file of serials, one " +
      "per line, as many as the quantity). Names in any case, with or without _ (minTemp). Relative certificate " +
      "and serials paths are read from the import file's own folder. See examples/batches.csv",
  )
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: { file?: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      if (args.file === undefined || args.file.trim() === "") throw new InputError("--file", args.file ?? "", "a .json or .csv file of batches");
      const { rx, record } = await connect(hre);
      const signer = await resolveSigner(hre, args.signer);
      // A refused transaction stops the import with an ImportStopped error naming the line and the contract's error.
      return importBatches({
        rx,
        signer,
        signerAddress: signer.address,
        network: hre.network.name,
        file: args.file,
        fromBlock: record.contracts.RxTrace.blockNumber,
      });
    }),
  );
