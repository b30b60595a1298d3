/**
 * Migration (issue 12, IMigration): a successor adopts every record of its retired predecessor, read from the
 * predecessor's events through the chunked log reader, each record once. Safe to run again after a failure: what is
 * adopted already is skipped (`isAdopted`), what the predecessor no longer holds (a settled shipment, a revoked
 * prefix, an empty holding) is skipped too. Also the lineage: from any deployment of the chain, the newest one.
 */
import { Contract, keccak256, toUtf8Bytes, ZeroAddress, type ContractRunner, type EventLog, type Signer } from "ethers";
import type { IMigration } from "../../typechain-types";
import { typechain } from "./typechain";
import { queryEvents, type EventScan } from "./events/query";
import { MigrationError } from "./events/lineage";

export { lineageOf, MigrationError } from "./events/lineage";

/** The suite at `address` with the migration functions (served through its fallback). */
export function migrationOf(address: string, runner: ContractRunner): IMigration {
  return typechain().IMigration__factory.connect(address, runner);
}

/** IMigration.Record, in the same order. */
export enum MigrationRecord {
  Partner,
  CompanyPrefix,
  Batch,
  Holding,
  Shipment,
  Case,
}

/** The suite's ABI with the functions and events its fallback serves (IGovernance, IMigration). */
export function suiteMigrationAbi() {
  const { RxTrace__factory, IGovernance__factory, IMigration__factory } = typechain();
  return [...RxTrace__factory.abi, ...IGovernance__factory.abi, ...IMigration__factory.abi];
}

interface ShipmentKey {
  batchId: string;
  sender: string;
  receiver: string;
  quantity: bigint;
  nonce: bigint;
}

/** What the predecessor's events say may need adopting, each record once, in the order adoption needs. */
export interface MigrationPlan {
  partners: string[];
  prefixes: string[];
  batches: string[];
  holdings: Array<{ batchId: string; holder: string }>;
  shipments: Array<{ shipmentId: string; shipment: ShipmentKey }>;
  cases: bigint[];
}

/** Reads the predecessor's events (its own acts and what it adopted itself) into the records to adopt. */
export async function planMigration(predecessor: string, runner: ContractRunner, scan: EventScan = {}): Promise<MigrationPlan> {
  const rx = new Contract(predecessor, suiteMigrationAbi(), runner);
  const f = rx.filters;
  const logs: EventLog[] = await queryEvents(
    rx,
    [
      f.PartnerOnboarded(),
      f.PartnerAdopted(),
      f.CompanyPrefixAssigned(),
      f.CompanyPrefixTransferred(),
      f.CompanyPrefixAdopted(),
      f.BatchCommissioned(),
      f.BatchAdopted(),
      f.HoldingAdopted(),
      f.Shipped(),
      f.HandedOver(),
      f.ShipmentAdopted(),
      f.CaseSealed(),
      f.CaseAdopted(),
    ],
    scan,
  );
  const partners = new Set<string>();
  const prefixes = new Set<string>();
  const batches = new Set<string>();
  const holdings = new Map<string, { batchId: string; holder: string }>();
  const shipments = new Map<string, { shipmentId: string; shipment: ShipmentKey }>();
  const cases = new Set<bigint>();
  const hold = (batchId: string, holder: string) => holdings.set(`${batchId}:${holder.toLowerCase()}`, { batchId, holder });
  const ship = (shipmentId: string, shipment: ShipmentKey) => shipments.set(shipmentId, { shipmentId, shipment });
  for (const e of logs) {
    const a = e.args;
    switch (e.eventName) {
      case "PartnerOnboarded":
      case "PartnerAdopted":
        partners.add(a.account);
        break;
      case "CompanyPrefixAssigned":
      case "CompanyPrefixTransferred":
      case "CompanyPrefixAdopted":
        prefixes.add(a.prefix);
        break;
      case "BatchCommissioned":
        batches.add(a.batchId);
        hold(a.batchId, a.manufacturer);
        break;
      case "BatchAdopted":
        batches.add(a.batchId);
        break;
      case "HoldingAdopted":
        hold(a.batchId, a.holder);
        break;
      case "Shipped":
        hold(a.batchId, a.sender);
        hold(a.batchId, a.receiver);
        ship(a.shipmentId, { batchId: a.batchId, sender: a.sender, receiver: a.receiver, quantity: a.quantity, nonce: a.nonce });
        break;
      case "HandedOver":
        hold(a.batchId, a.sender);
        hold(a.batchId, a.receiver);
        // A pack handover to a dispenser is kept as a received pack leg (the dispenser's custody record).
        if (BigInt(a.manifest) !== 0n) {
          ship(a.handoverId, { batchId: a.batchId, sender: a.sender, receiver: a.receiver, quantity: a.quantity, nonce: a.nonce });
        }
        break;
      case "ShipmentAdopted": {
        const s = a.shipment;
        ship(a.shipmentId, { batchId: s.batchId, sender: s.sender, receiver: s.receiver, quantity: s.quantity, nonce: s.nonce });
        break;
      }
      case "CaseSealed":
      case "CaseAdopted":
        cases.add(a.sscc);
        break;
    }
  }
  return {
    partners: [...partners],
    prefixes: [...prefixes],
    batches: [...batches],
    holdings: [...holdings.values()],
    shipments: [...shipments.values()],
    cases: [...cases],
  };
}

/** What one run adopted and skipped, per kind of record. */
export interface MigrationReport {
  adopted: Record<keyof MigrationPlan, number>;
  /** Adopted already (an earlier run). */
  already: Record<keyof MigrationPlan, number>;
  /** Nothing to adopt on the predecessor (settled shipment, revoked prefix, empty holding). */
  absent: Record<keyof MigrationPlan, number>;
}

export interface MigrateOptions {
  scan?: EventScan;
  /** One line per adopted record. */
  log?: (line: string) => void;
}

const KINDS: Array<keyof MigrationPlan> = ["partners", "prefixes", "batches", "holdings", "shipments", "cases"];

/**
 * Adopts into the successor at `successor` every record of its predecessor not adopted yet, as `signer` (anyone may).
 * Refuses before sending anything when the successor names no predecessor or the predecessor is not retired in its
 * favour.
 */
export async function migrate(successor: string, signer: Signer, options: MigrateOptions = {}): Promise<MigrationReport> {
  const log = options.log ?? (() => {});
  const next = migrationOf(successor, signer);
  const predecessor = await next.predecessor();
  if (predecessor === ZeroAddress) {
    throw new MigrationError(`the suite at ${successor} names no predecessor: its admin calls takeOverFrom(<old address>) first`);
  }
  const previous = migrationOf(predecessor, signer);
  const handedTo = await previous.successor();
  if (handedTo.toLowerCase() !== successor.toLowerCase()) {
    throw new MigrationError(
      `the predecessor ${predecessor} is not retired in favour of ${successor} (its successor: ${handedTo === ZeroAddress ? "none" : handedTo}): ` +
        `its admin (the timelock) calls retire(${successor}) first`,
    );
  }
  const old = typechain().RxTrace__factory.connect(predecessor, signer);
  const plan = await planMigration(predecessor, signer, options.scan);
  const zero = () => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<keyof MigrationPlan, number>;
  const report: MigrationReport = { adopted: zero(), already: zero(), absent: zero() };
  const NONE = "0x" + "0".repeat(64);

  async function step(kind: keyof MigrationPlan, record: MigrationRecord, id: string, account: string, present: () => Promise<boolean>, adopt: () => Promise<{ wait: () => Promise<unknown> }>, what: string) {
    if (await next.isAdopted(record, id, account)) {
      report.already[kind] += 1;
      return;
    }
    if (!(await present())) {
      report.absent[kind] += 1;
      return;
    }
    await (await adopt()).wait();
    report.adopted[kind] += 1;
    log(`adopted ${what}`);
  }

  for (const account of plan.partners) {
    await step("partners", MigrationRecord.Partner, NONE, account, async () => (await old.partner(account)).role !== 0n, () => next.adoptPartner(account), `partner ${account}`);
  }
  for (const prefix of plan.prefixes) {
    const id = prefixId(prefix);
    await step("prefixes", MigrationRecord.CompanyPrefix, id, ZeroAddress, async () => (await old.companyPrefixOwner(prefix)) !== ZeroAddress, () => next.adoptCompanyPrefix(prefix), `company prefix ${prefix}`);
  }
  for (const batchId of plan.batches) {
    await step("batches", MigrationRecord.Batch, batchId, ZeroAddress, async () => (await old.batch(batchId)).expiry !== 0n, () => next.adoptBatch(batchId), `batch ${batchId}`);
  }
  for (const { batchId, holder } of plan.holdings) {
    await step(
      "holdings",
      MigrationRecord.Holding,
      batchId,
      holder,
      async () => {
        const h = await old.holding(batchId, holder);
        return h.saleable + h.quarantined + h.dispensed + h.condemned + h.shipments !== 0n || (await previous.hasFlaggedSuspect(batchId, holder));
      },
      () => next.adoptHolding(batchId, holder),
      `holding of ${holder} in batch ${batchId}`,
    );
  }
  for (const { shipmentId, shipment } of plan.shipments) {
    await step("shipments", MigrationRecord.Shipment, shipmentId, ZeroAddress, async () => (await old.shipment(shipmentId)).status !== 0n, () => next.adoptShipment(shipment), `shipment ${shipmentId}`);
  }
  for (const sscc of plan.cases) {
    const id = "0x" + sscc.toString(16).padStart(64, "0");
    await step("cases", MigrationRecord.Case, id, ZeroAddress, async () => BigInt(await previous.caseCommitment(sscc)) !== 0n, () => next.adoptCase(sscc), `case ${sscc}`);
  }
  return report;
}

/** The id `isAdopted` takes for a company prefix: keccak256 of its digits. */
export function prefixId(prefix: string): string {
  return keccak256(toUtf8Bytes(prefix));
}
