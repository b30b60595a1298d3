// rx: tasks of the EPCIS group: export the on-chain history as EPCIS 2.0 JSON-LD, import a manufacturer's EPCIS
// 2.0 JSON-LD or 1.2 XML. Thin entry points over src/commands/epcis.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { contextOf } from "../src/commands/packs/selection";
import { resolveSigner } from "../src/commands/shared/cli";
import { exportEpcis, parseEpcisExportArgs, type EpcisExportArgs } from "../src/commands/epcis/export";
import { importEpcis, parseEpcisImportArgs, type EpcisImportArgs } from "../src/commands/epcis/import";

task("rx:epcis-export", "Writes the on-chain history of a lot, a pack or a holder (GLN) over a time range as an EPCIS 2.0 JSON-LD document")
  .addOptionalParam("gtin", "the lot's GTIN (AI 01), with --lot")
  .addOptionalParam("lot", "the lot (AI 10): every event of the lot")
  .addOptionalParam("serial", "with --gtin and --lot: only the events of this pack (and those of its lot as a whole)")
  .addOptionalParam("holder", "instead of a lot: every event a partner took part in, by its GLN or address")
  .addOptionalParam("from", "with --holder: events from this day (YYYY-MM-DD) or time (ISO 8601)")
  .addOptionalParam("to", "with --holder: events up to this day (YYYY-MM-DD, included) or time")
  .addOptionalParam("out", "where to write the document (default deployments/<network>/epcis/<lot or holder>.jsonld)")
  .addFlag("urn", "name packs, cases and places by EPC URNs (urn:epc:id:sgtin:…) instead of GS1 Digital Link URIs")
  .setAction(async (args: EpcisExportArgs, hre) =>
    withSuite(hre, () => parseEpcisExportArgs(args), async ({ rx, record }, input) => exportEpcis(rx, contextOf(record), input)),
  );

task(
  "rx:epcis-import",
  "Records a manufacturer's EPCIS document (2.0 JSON-LD or 1.2 XML) on the chain: commissioning, packing and the signer's shipping events; " +
    "checks the whole document first, and a re-run finishes what an interrupted one left",
)
  .addParam("file", "the EPCIS document: .json / .jsonld (EPCIS 2.0) or .xml (EPCIS 1.2, GS1 US healthcare header)")
  .addOptionalParam("minTemp", "storage minimum in °C for commissioning events without ilmd rxtrace:storageMinTemp")
  .addOptionalParam("maxTemp", "storage maximum in °C for commissioning events without ilmd rxtrace:storageMaxTemp")
  .addOptionalParam("certificate", "the certificate of origin (a file, hashed with keccak256) for commissioning events without rxtrace:certificateHash")
  .addOptionalParam("certificateUri", "where to fetch the certificate, for commissioning events without certificationInfo")
  .addOptionalParam("signer", "the manufacturer: account index or address (default 0)")
  .setAction(async (args: EpcisImportArgs & { signer?: string }, hre) =>
    withSuite(hre, () => parseEpcisImportArgs(args), async ({ rx, record }, input) =>
      importEpcis(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );
