/**
 * Measures the whole-transaction gas (the 21,000 intrinsic included) of each main operation on a fresh
 * in-process network. `npm run bench` writes the result to bench/gas.json; the gas snapshot test compares a
 * new measurement with that committed file.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";
import { deployRxTrace } from "./deploy";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, GTIN_2, serialRange } from "./scenario";
import { SerialTree } from "./serial-tree";
import { batchIdOf, serialToBytes32 } from "./ids";
import { RecallClass, RejectionReason } from "./domain";

export const GAS_KEYS = [
  "deploy",
  "onboardPartner",
  "commissionBatch",
  "ship",
  "receive",
  "handover",
  "reject",
  "recall",
  "dispense",
] as const;
export type GasKey = (typeof GAS_KEYS)[number];
export type GasTable = Record<GasKey, number>;

/** Budgets from issue 2 (whole-transaction gas). */
export const GAS_BUDGETS: Partial<GasTable> = {
  commissionBatch: 130_000,
  ship: 75_000,
  receive: 65_000,
  handover: 130_000,
  reject: 60_000,
  recall: 40_000,
  dispense: 75_000,
};

/** Packs in the batch whose dispense is measured: a million, so the proof has its full depth. */
export const BENCH_SERIALS = 1_000_000;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction has no receipt");
  return Number(receipt.gasUsed);
}

/**
 * Deploys a fresh suite and measures each operation once. Gas does not depend on what else the network
 * holds (every slot the operations touch belongs to the new contract), so this runs on any network state;
 * it does not reset the network, which keeps the tests' fixture snapshots valid.
 */
export async function measureGas(hre: HardhatRuntimeEnvironment, log: (line: string) => void = () => {}): Promise<GasTable> {
  const { ethers } = hre;
  const [admin, manufacturer, distributor, distributor2, pharmacy, regulator] = await ethers.getSigners();
  const signerOf = { manufacturer, distributor, distributor2, pharmacy, regulator } as const;

  const rx = await deployRxTrace(ethers, admin);
  const deployReceipt = await rx.deploymentTransaction()?.wait();
  const table: Partial<GasTable> = { deploy: Number(deployReceipt?.gasUsed ?? 0) };

  const now = (await ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  const licenceExpiry = now + 365 * 24 * 3600;
  for (const member of CAST) {
    const signer = signerOf[member.key as keyof typeof signerOf];
    if (!signer) continue;
    const gas = await gasOf(
      rx.onboardPartner(signer.address, member.role, member.gln, ethers.id(member.name), licenceExpiry, member.name),
    );
    if (member.key === "distributor") table.onboardPartner = gas;
    for (const prefix of member.prefixes) await rx.assignCompanyPrefix(signer.address, prefix);
  }

  const started = Date.now();
  const serials = serialRange(BENCH_SERIALS);
  const tree = SerialTree.of(serials);
  log(`serial tree of ${BENCH_SERIALS.toLocaleString("en-US")} packs built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const lot = "A24-0001";
  const expiry = now + 2 * 365 * 24 * 3600;
  const commission = {
    gtin: GTIN,
    lot,
    expiry,
    quantity: BigInt(BENCH_SERIALS),
    ...COLD_CHAIN,
    serialRoot: tree.root,
    certificateHash: CERTIFICATE_HASH,
    certificateURI: CERTIFICATE_URI,
  };
  table.commissionBatch = await gasOf(rx.connect(manufacturer).commissionBatch(commission));
  const batchId = batchIdOf(GTIN, lot);

  const leg = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: ethers.id("logger") };
  const shipTo = async (from: typeof manufacturer, to: string, quantity: bigint, id = batchId) => {
    const nonce = (await rx.holding(id, from.address)).shipments;
    const gas = await gasOf(rx.connect(from).ship(id, to, quantity));
    return { gas, shipment: { batchId: id, sender: from.address, receiver: to, quantity, nonce } };
  };

  const first = await shipTo(manufacturer, distributor.address, 10_000n);
  table.ship = first.gas;
  table.receive = await gasOf(rx.connect(distributor).receiveShipment(first.shipment, leg));

  const second = await shipTo(distributor, pharmacy.address, 2_000n);
  const received = await gasOf(rx.connect(pharmacy).receiveShipment(second.shipment, leg));
  table.handover = second.gas + received;

  const third = await shipTo(distributor, distributor2.address, 3_000n);
  table.reject = await gasOf(
    rx.connect(distributor2).rejectShipment(third.shipment, RejectionReason.Damaged, ethers.id("photo of damaged case")),
  );

  const serial = serials[BENCH_SERIALS - 1];
  table.dispense = await gasOf(rx.connect(pharmacy).dispense(batchId, serialToBytes32(serial), tree.proof(serial)));

  const lot2 = "A24-0002";
  await rx.connect(manufacturer).commissionBatch({ ...commission, gtin: GTIN_2, lot: lot2, quantity: 500n });
  table.recall = await gasOf(
    rx.connect(manufacturer).recall(batchIdOf(GTIN_2, lot2), RecallClass.II, ethers.id("recall notice"), CERTIFICATE_URI),
  );
  return Object.fromEntries(GAS_KEYS.map((k) => [k, table[k] as number])) as GasTable;
}

/** The table as people read it. */
export function formatGasTable(table: GasTable, snapshot?: Partial<GasTable>): string {
  const rows = GAS_KEYS.map((key) => {
    const budget = GAS_BUDGETS[key];
    const was = snapshot?.[key];
    return [
      key,
      table[key].toLocaleString("en-US"),
      budget ? budget.toLocaleString("en-US") : "-",
      budget ? (table[key] <= budget ? "ok" : "OVER") : "",
      was !== undefined ? was.toLocaleString("en-US") : "",
    ];
  });
  const header = ["operation", "gas", "budget", "", "snapshot"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
