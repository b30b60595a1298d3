/**
 * The enums of contracts/interfaces/RxTypes.sol, in the same order, with words for people.
 */
export enum Role {
  None,
  Manufacturer,
  Distributor,
  Dispenser,
  Regulator,
}

export enum Standing {
  Authorized,
  Unknown,
  Suspended,
  LicenceExpired,
}

/**
 * Where a shipment stands (`shipment(id).status`). A settled lot-level leg is deleted from storage and reads as
 * `None` (its fate is in the Received / Rejected events); a cancelled one stays `Cancelled`; a pack leg a dispenser
 * received stays `Received` or `ReceivedInQuarantine`, its proof of custody of the packs it lists (dispense).
 */
export enum ShipmentStatus {
  None,
  InTransit,
  Cancelled,
  Received,
  ReceivedInQuarantine,
}

/** Which custody rule a verdict for a holder applied (`verifyPackInCustody`). */
export enum CustodyRule {
  None,
  /** The holder has saleable units of the lot. */
  Lot,
  /** The pack came on a pack leg the holder received outside quarantine, and nothing left the holder since (dispense's checks). */
  Pack,
}

/** Why units were received into quarantine although the leg stayed inside the storage range (`ReceiptQuarantined`). */
export enum QuarantineCause {
  SenderNotAuthorized,
  ShipmentCancelled,
}

/** The words for QuarantineCause. */
export const QUARANTINE_CAUSE_TEXT: Record<QuarantineCause, string> = {
  [QuarantineCause.SenderNotAuthorized]: "the sender was suspended or lost its licence after shipping",
  [QuarantineCause.ShipmentCancelled]: "the sender had cancelled the shipment (into its quarantine) before the receipt",
};

export enum RejectionReason {
  WrongQuantity,
  Damaged,
  NoTemperatureData,
  WrongProduct,
  Other,
}

export enum Verdict {
  Genuine,
  UnknownBatch,
  SerialNotInBatch,
  Illegitimate,
  Recalled,
  AlreadyDispensed,
  Suspect,
  Expired,
  Quarantined,
  NotInCustody,
}

/** Recall classes as the contract stores them (1 = class I, the most serious). */
export enum RecallClass {
  I = 1,
  II = 2,
  III = 3,
}

/** The final acts a lone regulator takes and another regulator may reverse within the window (IGovernance). */
export enum FinalAct {
  Illegitimate,
  RecallClassI,
}

/** One line a pharmacist reads for each verdict. */
export const VERDICT_TEXT: Record<Verdict, string> = {
  [Verdict.Genuine]: "may be dispensed",
  [Verdict.UnknownBatch]: "do not dispense: unknown product or lot",
  [Verdict.SerialNotInBatch]: "do not dispense: serial not commissioned in this lot",
  [Verdict.Illegitimate]: "do not dispense: lot declared illegitimate",
  [Verdict.Recalled]: "do not dispense: lot recalled",
  [Verdict.AlreadyDispensed]: "do not dispense: pack already dispensed (possible clone)",
  [Verdict.Suspect]: "do not dispense: lot on hold as suspect product",
  [Verdict.Expired]: "do not dispense: expired",
  [Verdict.Quarantined]: "do not dispense: quarantined after a temperature excursion",
  [Verdict.NotInCustody]: "do not dispense: not in the verifier's custody",
};

/** Tenths of a degree Celsius, as the contracts store temperatures. */
export function tenthsOfDegree(celsius: number): number {
  return Math.round(celsius * 10);
}

/** Tenths of a degree as "5.3 °C". */
export function formatCelsius(tenths: number | bigint): string {
  return `${(Number(tenths) / 10).toFixed(1)} °C`;
}

/**
 * Whether the units of a rejected shipment go into the sender's quarantine rather than its saleable stock
 * (contracts/modules/Custody.sol `_reject`): the leg left the storage range, or the reason says something
 * against the goods or their temperature record (Damaged, NoTemperatureData).
 */
export function rejectionQuarantines(reason: RejectionReason, excursion: boolean): boolean {
  return excursion || reason === RejectionReason.Damaged || reason === RejectionReason.NoTemperatureData;
}

/** ExceptionReason of contracts/interfaces/IExceptions.sol, in the same order: what a partial receipt states. */
export enum ExceptionReason {
  Underage,
  Damaged,
  WrongProduct,
  MissingData,
  Other,
}

/** ExceptionStatus of contracts/interfaces/IExceptions.sol, in the same order: where a shipment's disputed units stand. */
export enum ExceptionStatus {
  None,
  Open,
  Found,
  Lost,
  Returned,
}
