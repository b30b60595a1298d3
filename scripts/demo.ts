/**
 * `npm run demo`: the whole story on the in-process network, with no configuration, through the same
 * commands a user runs (each step prints the command it stands for).
 *
 * Deploy; onboard a manufacturer, two distributors, two pharmacies and a regulator; commission a serialized
 * lot from a serial file and import two more lots from a JSON file; ship and receive along two paths, pack by
 * pack to the pharmacies (a serialized lot reaches a dispenser only in pack legs: `rx:ship --quantity` picks the
 * packs), one leg with a temperature excursion; reject a damaged shipment with the leg's logger (the units go
 * into the sender's quarantine) and a short one on a good leg (back to saleable stock); dispense a pack, showing
 * the contract the leg that brought it; pay on delivery (Main Street's invoice paid to Northline, St. Mary's warm leg
 * refunded: docs/settlement.md); recall the second lot; then verify a genuine pack, a dispensed pack, an
 * excursion pack, a recalled pack and a forged serial. Last, pack-level custody: a lot shipped pack by pack with a
 * manifest, two of its packs handed over to a pharmacy in a handover both sides sign and a courier submits, a pack
 * of that handover dispensed, and verification of a pack that reached the pharmacy and of one that never did.
 * Then the standards: the first lot's history exported as an EPCIS 2.0 document (where it was written is printed),
 * the GS1 verification responder started and a returns desk's signed questions about two packs. Last, the alerts
 * the pharmacy and the distributor received (rx:watch).
 *
 * It also starts the indexer (Ponder on an embedded PGlite, docs/indexer.md) in the background after the
 * deployment, checks that every verification read through it gives the direct scan's report, and reads the alerts
 * through it. RXTRACE_DEMO_INDEXER=0 leaves it out (on a busy two-core machine it doubles the demo's time; the
 * tests that run the demo for other reasons set it).
 */
import hre from "hardhat";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CAST } from "../src/scenario/scenario";
import { formatGln } from "../src/gs1/identifiers";
import { Role } from "../src/domain/enums";
import type { ShipResult } from "../src/commands/custody/shipments";
import type { EpcisExportResult } from "../src/commands/epcis/export";
import type { PackReport } from "../src/domain/provenance";
import { formatReport, verdictExitCode, verdictLabel } from "../src/domain/report";
import { verifyFromArgs } from "../src/commands/verify/verify-command";
import { isLive, readRecord, recordPath } from "../src/chain/deployment";
import { loggerForWindow, parseLoggerCsv } from "../src/domain/temperature";
import { askTheResponder } from "../src/scenario/vrs-step";
import { payOnDelivery } from "../src/scenario/settlement-step";
import { demoAlerts } from "../src/commands/watch/demo-alerts";
import { batchIdOf } from "../src/domain/ids";
import { parseGtin } from "../src/gs1/identifiers";
import { indexerForNetwork, type RunningIndexer } from "../src/chain/indexer";

// The story keeps its deployment record, serial files and manifests in a folder of its own: a run never sees the
// manifests of an earlier run (whose contract had the same address) nor leaves files in the repository.
process.env.RXTRACE_DEPLOYMENTS_DIR ||= mkdtempSync(path.join(tmpdir(), "rxtrace-demo-deployments-"));

const EXAMPLES = path.join(__dirname, "..", "examples");
const example = (file: string) => path.relative(process.cwd(), path.join(EXAMPLES, file));
/** Accounts of the in-process network, by role in the story. */
const SIGNER = { admin: "0", manufacturer: "2", distributor: "4", distributor2: "5", pharmacy: "6", pharmacy2: "7", regulator: "8", courier: "9" } as const;
const GTIN = "00312345000172";
const LOT = "A24-0001";
const RECALLED_LOT = "A24-0002";
const PACK_LOT = "A24-0004";

/** Networks the demo runs on without being told: the in-process one and a local node. */
const DEVELOPMENT_NETWORKS = ["hardhat", "localhost"];
/** Set to 1 to run the demo on another network, or over a live deployment, on purpose. */
const ON_LIVE = "RXTRACE_DEMO_ON_LIVE";

/**
 * The demo deploys a fresh suite (replacing the network's deployment record) and onboards made-up partners:
 * it refuses a public network, and any network whose record points at a contract that is live, unless
 * RXTRACE_DEMO_ON_LIVE=1.
 */
async function refuseLiveNetwork(): Promise<void> {
  if (process.env[ON_LIVE] === "1") return;
  const network = hre.network.name;
  if (!DEVELOPMENT_NETWORKS.includes(network)) {
    throw new Error(
      `the demo deploys a new suite and onboards made-up partners, so it refuses network "${network}" (not a development network): ` +
        `run it with \`npm run demo\` or on a local node (\`--network localhost\`), or set ${ON_LIVE}=1 to run it on "${network}" on purpose`,
    );
  }
  const file = recordPath(network);
  if (!existsSync(file)) return;
  const record = readRecord(network);
  if (await isLive(hre, record)) {
    throw new Error(
      `${path.relative(process.cwd(), file)} records a live deployment at ${record.contracts.RxTrace.address} (chain ${record.chainId}): ` +
        `the demo would replace it and onboard made-up partners; start a fresh node, or set ${ON_LIVE}=1 to replace it on purpose`,
    );
  }
}

/** What to append to a printed command so that it runs where the demo ran. */
const networkFlag = () => (hre.network.name === "hardhat" ? "" : ` --network ${hre.network.name}`);

function step(title: string): void {
  console.log(`\n== ${title}`);
}

/** The flags of a task as a person types them: --min-temp 2, a flag set to true alone (--redeploy). */
function shownFlags(args: Record<string, unknown>): string {
  return Object.entries(args)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => {
      const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return v === true ? flag : `${flag} ${/\s/.test(String(v)) ? JSON.stringify(v) : v}`;
    })
    .join(" ");
}

/** The one folder where a demo run writes its files (the trips' logger files, the signed handover). */
let work: string | undefined;
const workDir = () => (work ??= mkdtempSync(path.join(tmpdir(), "rxtrace-demo-")));

/**
 * The carrier's logger file for a shipment just sent: rx:receive takes only readings made between the shipment
 * and now, so the example file (recorded on 2025-03-03) is moved to this trip. On a Hardhat network the
 * chain's clock first moves on by the length of the log (the truck drives); elsewhere the readings are
 * squeezed into the time that passed.
 */
async function tripLogger(file: string, shipped: ShipResult): Promise<string> {
  const text = readFileSync(example(file), "utf8");
  const readings = parseLoggerCsv(text);
  const span = readings[readings.length - 1].time - readings[0].time;
  try {
    await hre.network.provider.send("evm_increaseTime", [span + 120]);
    await hre.network.provider.send("evm_mine", []);
  } catch {
    // not a Hardhat network: no clock to move
  }
  const from = (await hre.ethers.provider.getBlock(shipped.receipt.blockNumber))!.timestamp + 1;
  const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  const out = path.join(workDir(), `${shipped.shipmentId.slice(2, 10)}-${file}`);
  writeFileSync(out, loggerForWindow(text, from, Math.max(from, now)));
  return out;
}

async function run<T>(task: string, args: Record<string, unknown>): Promise<T> {
  console.log(`$ npx hardhat ${task} ${shownFlags(args)}${networkFlag()}`);
  return (await hre.run(task, args)) as T;
}

/** The indexer, started before the verifications (see the module comment). */
let indexer: RunningIndexer | undefined;

/** With the indexer: the same verification read through it must give the same report. */
async function verifySame(args: Record<string, unknown>, direct: PackReport): Promise<void> {
  if (!indexer) return;
  process.env.RXTRACE_INDEXER_URL = indexer.url;
  try {
    const started = Date.now();
    const through = await verifyFromArgs(hre, args);
    const json = (r: PackReport) => JSON.stringify(r, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    if (json(through) !== json(direct)) throw new Error(`the indexer's report on ${String(args.serial)} differs from the direct scan's`);
    console.log(`   (through the indexer: the same report, ${Date.now() - started} ms)`);
  } finally {
    delete process.env.RXTRACE_INDEXER_URL;
  }
}

/** The indexer's start, begun in the background right after the deployment, so that its start-up overlaps the story. */
let indexerStart: Promise<RunningIndexer> | undefined;
let indexerStartedAt = 0;

function launchIndexer(): void {
  if (process.env.RXTRACE_DEMO_INDEXER === "0") return;
  step("start the indexer in the background (RXTRACE_DEMO_INDEXER=0 leaves it out): Ponder on an embedded PGlite, reading this network");
  indexerStartedAt = Date.now();
  indexerStart = indexerForNetwork(hre);
  indexerStart.catch(() => {}); // awaited before the verifications
}

async function startIndexer(): Promise<void> {
  if (!indexerStart) return;
  const waited = Date.now();
  indexer = await indexerStart;
  const { chainId } = await hre.ethers.provider.getNetwork();
  await indexer.caughtUp(Number(chainId), await hre.ethers.provider.getBlockNumber(), 300_000);
  console.log(
    `$ npm run indexer   (serving ${indexer.url}, caught up ${((Date.now() - indexerStartedAt) / 1000).toFixed(1)} s after its start; the story waited ${((Date.now() - waited) / 1000).toFixed(1)} s for it)`,
  );
}

async function main(): Promise<void> {
  await refuseLiveNetwork();
  const signers = await hre.ethers.getSigners();
  const address = (key: keyof typeof SIGNER) => signers[Number(SIGNER[key])].address;
  const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);

  step("deploy the suite");
  await run("rx:deploy", { redeploy: true });
  launchIndexer();

  step("onboard the trading partners (admin)");
  const licenceExpiry = `${new Date().getUTCFullYear() + 2}-12-31`;
  for (const member of CAST) {
    if (!(member.key in SIGNER)) continue;
    const args: Record<string, unknown> = {
      account: address(member.key as keyof typeof SIGNER),
      role: Role[member.role].toLowerCase(),
      gln: formatGln(member.gln),
      name: member.name,
      licenceExpiry,
      licenceRef: hre.ethers.id(`licence of ${member.name}`),
    };
    if (member.prefixes.length > 0) args.prefix = member.prefixes.join(",");
    await run("rx:onboard", args);
  }

  step("commission a serialized lot (manufacturer)");
  await run("rx:commission", {
    gtin: GTIN, lot: LOT, expiry: "280331", quantity: "12", minTemp: "2", maxTemp: "8",
    certificate: example("certificate-A24-0001.txt"), certificateUri: "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
    serials: example("serials-A24-0001.txt"), signer: SIGNER.manufacturer,
  });
  step("import two more lots from a file (manufacturer)");
  await run("rx:import", { file: example("batches.json"), signer: SIGNER.manufacturer });

  step("path 1: manufacturer -> Northline Wholesale (8 named packs) -> Main Street Pharmacy (4 packs picked)");
  const toNorthline = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("distributor"), serials: example("to-northline-A24-0001.txt"), signer: SIGNER.manufacturer });
  await run("rx:receive", { shipment: toNorthline.shipmentId, logger: await tripLogger("logger-good.csv", toNorthline), signer: SIGNER.distributor });
  console.log("   (a serialized lot reaches a pharmacy only in pack legs: --quantity picks the packs Northline holds)");
  const toMainStreet = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("pharmacy"), quantity: "4", signer: SIGNER.distributor });
  await run("rx:receive", { shipment: toMainStreet.shipmentId, logger: await tripLogger("logger-good.csv", toMainStreet), signer: SIGNER.pharmacy });

  step("path 2: manufacturer -> Coastal 3PL (the remaining 4 packs) -> St. Mary Hospital, the last leg too warm");
  const toCoastal = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("distributor2"), allRemaining: true, signer: SIGNER.manufacturer });
  await run("rx:receive", { shipment: toCoastal.shipmentId, logger: await tripLogger("logger-good.csv", toCoastal), signer: SIGNER.distributor2 });
  const toStMary = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("pharmacy2"), quantity: "3", signer: SIGNER.distributor2 });
  await run("rx:receive", { shipment: toStMary.shipmentId, logger: await tripLogger("logger-excursion.csv", toStMary), signer: SIGNER.pharmacy2 });

  step("St. Mary Hospital rejects a damaged shipment with the leg's logger: the units go into Northline's quarantine");
  const damaged = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("pharmacy2"), quantity: "2", signer: SIGNER.distributor });
  await run("rx:reject", { shipment: damaged.shipmentId, reason: "damaged", evidence: example("damage-report.txt"), logger: await tripLogger("logger-good.csv", damaged), signer: SIGNER.pharmacy2 });
  step("St. Mary Hospital rejects a short shipment on a good leg: the unit goes back to Northline's saleable stock");
  const short = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: LOT, to: gln("pharmacy2"), quantity: "1", signer: SIGNER.distributor });
  await run("rx:reject", { shipment: short.shipmentId, reason: "wrong-quantity", logger: await tripLogger("logger-good.csv", short), signer: SIGNER.pharmacy2 });

  step("payment on delivery: each pharmacy escrows an invoice for the leg it received; the suite's record decides who is paid");
  await payOnDelivery(hre, run, [
    {
      label: "Main Street's 4 packs arrived within range: Northline binds its leg and is paid",
      invoice: "NW-2024-0001", customer: "MAINST-001", gtin: GTIN, lot: LOT, quantity: "4", price: "12.50",
      buyer: { signer: SIGNER.pharmacy, address: address("pharmacy") }, seller: { signer: SIGNER.distributor, gln: gln("distributor") },
      shipmentId: toMainStreet.shipmentId, claimant: "seller",
    },
    {
      label: "St. Mary's 3 packs arrived warm (quarantined): Coastal binds its leg, St. Mary is refunded",
      invoice: "C3PL-2024-0001", customer: "STMARY-001", gtin: GTIN, lot: LOT, quantity: "3", price: "12.50",
      buyer: { signer: SIGNER.pharmacy2, address: address("pharmacy2") }, seller: { signer: SIGNER.distributor2, gln: gln("distributor2") },
      shipmentId: toStMary.shipmentId, claimant: "buyer",
    },
  ]);

  step("Main Street Pharmacy dispenses a pack: the command shows the contract the leg that brought it");
  await run("rx:dispense", { gtin: GTIN, lot: LOT, serial: "SN000001", signer: SIGNER.pharmacy });
  console.log("   (a pack that never reached Main Street is refused before anything is sent)");
  try {
    await run("rx:dispense", { gtin: GTIN, lot: LOT, serial: "SN000009", signer: SIGNER.pharmacy });
    throw new Error("the dispense of SN000009 at Main Street should have been refused");
  } catch (error) {
    // The command wraps the InputError for Hardhat's command line; the demo goes on with its words.
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith('--serial: got "SN000009"')) throw error;
    console.log(`   refused: ${message}`);
  }

  step("the regulator recalls the second lot");
  const toNorthline2 = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: RECALLED_LOT, to: gln("distributor"), quantity: "5", signer: SIGNER.manufacturer });
  await run("rx:receive", { shipment: toNorthline2.shipmentId, logger: await tripLogger("logger-good.csv", toNorthline2), signer: SIGNER.distributor });
  await run("rx:recall", { gtin: GTIN, lot: RECALLED_LOT, class: "II", reasonUri: "https://recalls.example/A24-0002", signer: SIGNER.regulator });

  await startIndexer();
  step("verify packs at the counter (pharmacist)");
  const cases: [string, Record<string, unknown>][] = [
    ["a genuine pack on Main Street's shelf", { gtin: GTIN, lot: LOT, serial: "SN000002", holder: gln("pharmacy") }],
    ["the pack that was dispensed", { gtin: GTIN, lot: LOT, serial: "SN000001" }],
    ["a pack from the warm leg, at St. Mary", { gtin: GTIN, lot: LOT, serial: "SN000010", holder: gln("pharmacy2") }],
    ["a pack of the recalled lot", { gtin: GTIN, lot: RECALLED_LOT, serial: "SNB000001" }],
    ["a forged serial", { gtin: GTIN, lot: LOT, serial: "FAKE0001" }],
  ];
  const reports: PackReport[] = [];
  for (const [label, args] of cases) {
    const report = await verifyFromArgs(hre, args);
    reports.push(report);
    console.log(`$ npx hardhat rx:verify ${shownFlags(args)}${networkFlag()}\n   ${label}: ${verdictLabel(report.verdict)} (${report.verdictText})`);
    await verifySame(args, report);
  }

  step("one full timeline: the genuine pack");
  console.log(formatReport(reports[0]).join("\n"));

  step("pack-level custody: the manufacturer ships every pack of a lot, with a manifest");
  await run("rx:commission", {
    gtin: GTIN, lot: PACK_LOT, expiry: "281231", quantity: "6", minTemp: "2", maxTemp: "8",
    certificate: example("certificate-A24-0004.txt"), certificateUri: "ipfs://QmZ4tDuvesekSs4qM5ZBKpXiZGun7S2CYtEZRB3DYXkjGx",
    serials: example("serials-A24-0004.txt"), signer: SIGNER.manufacturer,
  });
  const packs = await run<ShipResult>("rx:ship", { gtin: GTIN, lot: PACK_LOT, to: gln("distributor"), allRemaining: true, signer: SIGNER.manufacturer });
  console.log("   (Northline checks the manifest against the chain before it receives)");
  await run("rx:receive", { shipment: packs.shipmentId, logger: await tripLogger("logger-good.csv", packs), signer: SIGNER.distributor });

  step("a handover at Main Street's door: Northline signs two packs over, the pharmacist co-signs, a courier submits");
  const handover = path.join(workDir(), "handover.json");
  await run("rx:sign", {
    kind: "handover", gtin: GTIN, lot: PACK_LOT, to: gln("pharmacy"), serials: example("handover-A24-0004.txt"),
    logger: example("logger-good.csv"), out: handover, signer: SIGNER.distributor,
  });
  await run("rx:cosign", { in: handover, logger: example("logger-good.csv"), signer: SIGNER.pharmacy });
  await run("rx:submit", { in: handover, signer: SIGNER.courier });

  step("Main Street dispenses a pack it received in the handover");
  await run("rx:dispense", { gtin: GTIN, lot: PACK_LOT, serial: "SND000001", signer: SIGNER.pharmacy });

  step("verify packs of that lot at Main Street (pharmacist): the pack's own legs");
  for (const [label, serial] of [["a pack Main Street received", "SND000002"], ["a pack that stayed at Northline", "SND000005"]]) {
    const args = { gtin: GTIN, lot: PACK_LOT, serial, holder: gln("pharmacy") };
    const report = await verifyFromArgs(hre, args);
    const exit = verdictExitCode(report);
    console.log(`$ npx hardhat rx:verify ${shownFlags(args)}${networkFlag()}   (exit code ${exit})`);
    console.log(`   ${label}:`);
    console.log(formatReport(report).map((line) => `   ${line}`).join("\n"));
    await verifySame(args, report);
  }

  step("EPCIS 2.0: the history of lot A24-0001 as trading partners exchange it (GS1 EPCIS / CBV 2.0 JSON-LD)");
  const epcis = await run<EpcisExportResult>("rx:epcis-export", { gtin: GTIN, lot: LOT, out: path.join(workDir(), `epcis-${LOT}.jsonld`) });
  console.log(`   EPCIS document: ${epcis.file} (${epcis.events} events)`);

  step("GS1 verification requests: Northline's returns desk asks the responder about two returned packs (signed with its key)");
  await askTheResponder(hre, SIGNER.distributor, [
    ["a genuine pack", { gtin: GTIN, lot: LOT, serial: "SN000003", expiry: "280331" }],
    ["a pack of the recalled lot", { gtin: GTIN, lot: RECALLED_LOT, serial: "SNB000002", expiry: "280630" }],
  ], networkFlag());
}

/** The alerts the pharmacy and the distributor received during the story (rx:watch, docs/alerts.md). */
async function alertsStep(): Promise<void> {
  step("alerts: what Main Street Pharmacy and Northline Wholesale were told (rx:watch)");
  const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
  console.log("   (first the regulator condemns the 2 damaged units that came back into Northline's quarantine)");
  await run("rx:condemn", { gtin: GTIN, lot: LOT, holder: gln("distributor"), quantity: "2", signer: SIGNER.regulator });
  const lots = new Map([LOT, RECALLED_LOT, PACK_LOT].map((lot) => [batchIdOf(parseGtin(GTIN), lot), `${lot}`]));
  // With the indexer, rx:watch reads through it, as the alert service does (docs/alerts.md).
  if (indexer) {
    process.env.RXTRACE_INDEXER_URL = indexer.url;
    console.log(`   (rx:watch reads the events through the indexer: RXTRACE_INDEXER_URL=${indexer.url})`);
  }
  try {
    await demoAlerts(hre, [{ label: "Main Street Pharmacy", gln: gln("pharmacy") }, { label: "Northline Wholesale", gln: gln("distributor"), webhook: true }], lots, console.log);
  } finally {
    delete process.env.RXTRACE_INDEXER_URL;
  }
}

main()
  .then(alertsStep)
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(async () => (indexer ?? (await indexerStart?.catch(() => undefined)))?.stop());
