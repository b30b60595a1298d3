/**
 * Who may call what, and what the pause freezes: written once as tables and applied to every state-changing
 * entry point of RxTrace.
 *
 * 1. The role matrix: one row per state-changing function (every non-view function of the ABI), one `it` per
 *    (function, actor). An allowed actor's call emits the function's event and changes the state; a refused
 *    actor's call reverts with the precise custom error. The fixture gives every actor what it would need to
 *    succeed if it were authorized (stock, a shipment addressed to it, a batch of its own), so authorization is
 *    the first check that fails. For the functions a partner signs off-chain (EIP-712) and anyone submits, the actor
 *    is the SIGNER: the stranger submits every signature, so an allowed row also shows that the submitter does not
 *    matter, and a refused actor's own signature meets the precise custom error.
 * 2. The pause: `behavesAsPausable` applied to each row.
 * 3. The stranger sweep: every non-view function in the ABI has a row, and the stranger is refused by each.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  Contract,
  FunctionFragment,
  Signature,
  ZeroAddress,
  ZeroHash,
  type ContractTransactionResponse,
  type TypedDataField,
} from "ethers";
import { ICorrections__factory, IGovernance__factory, RxTrace__factory, type IBatchRegistry, type RxTrace } from "../typechain-types";
import { readDomain, SIGNED_TYPES } from "../src/signing/typed-data";
import type { AuthorizationStruct } from "../typechain-types/contracts/RxTrace";
import { makeGln, makeGtin, makeSscc } from "../src/gs1/identifiers";
import { batchIdOf, serialToBytes32, shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { RejectionReason, Role, ShipmentStatus, Standing, Verdict } from "../src/domain/enums";
import { FOREIGN_GTIN, GTIN } from "../src/scenario/scenario";
import {
  caseContentsOf,
  CaseStatus,
  claimOf,
  commissionInput,
  DAY,
  deliverPacksFrom,
  GOOD_LEG,
  LICENCE_REF,
  LOT,
  pharmacyFixture,
  REJECT_TYPES,
  SERIALS,
  shipFrom,
  shipPacksFrom,
  WARM_LEG,
  YEAR,
} from "./fixtures";

// ---------------------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------------------

type BaseActor =
  | "admin"
  | "pauser"
  | "manufacturer"
  | "otherManufacturer"
  | "distributor"
  | "pharmacy"
  | "regulator"
  | "stranger";
type PartnerRole = Role.Manufacturer | Role.Distributor | Role.Dispenser | Role.Regulator;
type RoleWord = "Manufacturer" | "Distributor" | "Dispenser" | "Regulator";
type StandIn = `${"suspended" | "expired"}${RoleWord}`;
type ActorKey = BaseActor | StandIn;

const ROLE_WORD: Record<PartnerRole, RoleWord> = {
  [Role.Manufacturer]: "Manufacturer",
  [Role.Distributor]: "Distributor",
  [Role.Dispenser]: "Dispenser",
  [Role.Regulator]: "Regulator",
};
const ROLE_TEXT: Record<PartnerRole, string> = {
  [Role.Manufacturer]: "manufacturer",
  [Role.Distributor]: "distributor",
  [Role.Dispenser]: "pharmacy (dispenser)",
  [Role.Regulator]: "regulator",
};
const PARTNER_ROLES: readonly PartnerRole[] = [Role.Manufacturer, Role.Distributor, Role.Dispenser, Role.Regulator];

const suspendedOf = (role: PartnerRole): StandIn => `suspended${ROLE_WORD[role]}`;
const expiredOf = (role: PartnerRole): StandIn => `expired${ROLE_WORD[role]}`;

/** Every actor's role and standing, as the matrix fixture sets them up. */
const ACTOR_INFO: Record<ActorKey, { label: string; role: Role; standing: Standing }> = {
  admin: { label: "the admin (deployer, not a partner)", role: Role.None, standing: Standing.Unknown },
  pauser: { label: "the operator and pauser (the hot key, not a partner)", role: Role.None, standing: Standing.Unknown },
  manufacturer: { label: "the manufacturer", role: Role.Manufacturer, standing: Standing.Authorized },
  otherManufacturer: { label: "the other manufacturer", role: Role.Manufacturer, standing: Standing.Authorized },
  distributor: { label: "the distributor", role: Role.Distributor, standing: Standing.Authorized },
  pharmacy: { label: "the pharmacy", role: Role.Dispenser, standing: Standing.Authorized },
  regulator: { label: "the regulator", role: Role.Regulator, standing: Standing.Authorized },
  stranger: { label: "a stranger (never onboarded)", role: Role.None, standing: Standing.Unknown },
  ...(Object.fromEntries(
    PARTNER_ROLES.flatMap((role) => [
      [suspendedOf(role), { label: `a suspended ${ROLE_TEXT[role]}`, role, standing: Standing.Suspended }],
      [expiredOf(role), { label: `a ${ROLE_TEXT[role]} whose licence expired`, role, standing: Standing.LicenceExpired }],
    ]),
  ) as Record<StandIn, { label: string; role: Role; standing: Standing }>),
};

const BASE_ACTORS: readonly BaseActor[] = [
  "admin",
  "pauser",
  "manufacturer",
  "otherManufacturer",
  "distributor",
  "pharmacy",
  "regulator",
  "stranger",
];

// ---------------------------------------------------------------------------------------------------------
// The matrix fixture
// ---------------------------------------------------------------------------------------------------------

const STAND_IN_PREFIX: Record<"suspendedManufacturer" | "expiredManufacturer", string> = {
  suspendedManufacturer: "0355555",
  expiredManufacturer: "0366666",
};
const NEWCOMER_GLN = makeGln("070000000099");
const NEWCOMER_NAME = "Newcomer Wholesale";
const NEW_PREFIX = "0377777";
const NEW_LOT = "MATRIX-01";
const REASON = ethers.id("reason document");
const RENEWED_REF = ethers.id("renewed licence document");
const RECALL_HASH = ethers.id("recall notice");
const RECALL_URI = "ipfs://QmRecallNoticeForTheAccessMatrix";
const EVIDENCE = ethers.id("photo of the damaged carton");
const PAUSER_ROLE = ethers.id("PAUSER_ROLE");
const OPERATOR_ROLE = ethers.id("OPERATOR_ROLE");
/** The functions the core forwards through its fallback (IGovernance, ICorrections), beside RxTrace's own ABI. */
const SUITE_ABI = [...RxTrace__factory.abi, ...IGovernance__factory.abi, ...ICorrections__factory.abi];
const STOCK = 5n;

/**
 * On top of pharmacyFixture (manufacturer, distributor and pharmacy hold saleable units of `batchId`):
 * - a suspended and a licence-expired stand-in for each partner role; the manufacturer stand-ins own a prefix
 *   and a batch of their own, the distributor and dispenser stand-ins hold saleable units of `batchId` and
 *   each distributor stand-in has a shipment of `batchId` in transit to it and one it sent to the pharmacy
 *   (`sentBy`), shipped before its suspension or licence expiry;
 * - the other manufacturer holds a batch of its own (`foreignBatchId`);
 * - `inbound`: units of `batchId` in transit from the manufacturer to the distributor;
 * - the pharmacy holds quarantined units of `batchId` (received on a warm leg);
 * - a fresh account `newcomer` to onboard or hand roles to;
 * - the clock is past the expired stand-ins' licences, `future` is a year ahead of it.
 */
async function matrixFixture() {
  const base = await loadFixture(pharmacyFixture);
  const { rx, admin, manufacturer, otherManufacturer, distributor, pharmacy, batchId } = base;
  const signers = await ethers.getSigners();
  const shortExpiry = (await time.latest()) + 30 * DAY;

  const standIns = {} as Record<StandIn, HardhatEthersSigner>;
  let next = 10;
  for (const role of PARTNER_ROLES) {
    for (const key of [suspendedOf(role), expiredOf(role)]) {
      const account = signers[next];
      const expiry = key.startsWith("expired") ? shortExpiry : base.licenceExpiry;
      await rx.onboardPartner(account.address, role, makeGln(`0700000000${String(next).padStart(2, "0")}`), LICENCE_REF, expiry, key);
      standIns[key] = account;
      next += 1;
    }
  }
  const newcomer = signers[next];
  // A second regulator, not an actor: it takes the final acts the matrix's regulator reverses.
  const otherRegulator = signers[next + 1];
  await rx.onboardPartner(otherRegulator.address, Role.Regulator, makeGln("070000000098"), LICENCE_REF, base.licenceExpiry, "Second Board");

  // The manufacturer stand-ins own a prefix and a batch each.
  const standInBatch = {} as Record<"suspendedManufacturer" | "expiredManufacturer", { batchId: string; gtin: bigint }>;
  for (const key of ["suspendedManufacturer", "expiredManufacturer"] as const) {
    await rx.assignCompanyPrefix(standIns[key].address, STAND_IN_PREFIX[key]);
    const gtin = makeGtin(STAND_IN_PREFIX[key], "00017");
    const { input } = await commissionInput({ gtin });
    await rx.connect(standIns[key]).commissionBatch(input);
    standInBatch[key] = { batchId: batchIdOf(gtin, LOT), gtin };
  }

  // The other manufacturer holds a batch of its own.
  const { input: foreignInput } = await commissionInput({ gtin: FOREIGN_GTIN });
  await rx.connect(otherManufacturer).commissionBatch(foreignInput);
  const foreignBatchId = batchIdOf(FOREIGN_GTIN, LOT);

  // Distributor stand-ins: units received, and a shipment in transit to each.
  const pendingTo = {} as Record<"suspendedDistributor" | "expiredDistributor", { shipment: ShipmentKey; shipmentId: string }>;
  for (const key of ["suspendedDistributor", "expiredDistributor"] as const) {
    const received = await shipFrom(rx, manufacturer, batchId, standIns[key].address, STOCK);
    await rx.connect(standIns[key]).receiveShipment(received.shipment, GOOD_LEG);
    pendingTo[key] = await shipFrom(rx, manufacturer, batchId, standIns[key].address, STOCK);
  }
  const sentBy = {} as Record<"suspendedDistributor" | "expiredDistributor", { shipment: ShipmentKey; shipmentId: string }>;
  for (const key of ["suspendedDistributor", "expiredDistributor"] as const) {
    sentBy[key] = await shipPacksFrom(rx, standIns[key], batchId, pharmacy.address, [SERIALS[key === "suspendedDistributor" ? 60 : 61]]);
  }
  const inbound = await shipFrom(rx, manufacturer, batchId, distributor.address, STOCK);

  // Dispenser stand-ins hold saleable units; the pharmacy holds quarantined ones besides its saleable units.
  for (const [i, key] of (["suspendedDispenser", "expiredDispenser"] as const).entries()) {
    const serials = SERIALS.slice(62 + i * Number(STOCK), 62 + (i + 1) * Number(STOCK));
    await deliverPacksFrom(rx, distributor, batchId, standIns[key], serials);
  }
  const warmLeg = await deliverPacksFrom(rx, distributor, batchId, pharmacy, SERIALS.slice(80, 80 + Number(STOCK)), WARM_LEG);

  for (const role of PARTNER_ROLES) await rx.connect(admin).suspendPartner(standIns[suspendedOf(role)].address, REASON);
  await time.increaseTo(shortExpiry + 1);
  const future = (await time.latest()) + YEAR;

  const accounts: Record<ActorKey, HardhatEthersSigner> = {
    admin: base.admin,
    pauser: base.pauser,
    manufacturer,
    otherManufacturer,
    distributor,
    pharmacy,
    regulator: base.regulator,
    stranger: base.stranger,
    ...standIns,
  };
  // The governance functions at the core's address, and one contract that knows every event and error of both.
  const gov = IGovernance__factory.connect(await rx.getAddress(), base.stranger);
  const corr = ICorrections__factory.connect(await rx.getAddress(), base.stranger);
  const suite = new Contract(await rx.getAddress(), SUITE_ABI, base.stranger);
  return { ...base, accounts, newcomer, otherRegulator, gov, corr, suite, standInBatch, foreignBatchId, pendingTo, sentBy, inbound, future, warmLeg };
}

type Ctx = Awaited<ReturnType<typeof matrixFixture>>;

// ---------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------

interface Expected {
  name: string;
  args: unknown[];
}

interface Row {
  /** The function's name in the ABI. */
  name: string;
  /**
   * Who the actor is: the caller (the default), or the partner who signs the call off-chain; a signed call is
   * submitted by the stranger.
   */
  actor?: "caller" | "signer";
  /** The partner roles whose suspended and licence-expired stand-ins are tried besides the base actors. */
  standIns: readonly PartnerRole[];
  /** The actors whose call succeeds. */
  allowed: readonly ActorKey[];
  /** State the call needs, made by the actors entitled to make it. */
  setup?: (ctx: Ctx) => Promise<void>;
  /** The call as `who` makes (or signs) it. Sends exactly one transaction. */
  call: (ctx: Ctx, who: ActorKey) => Promise<ContractTransactionResponse>;
  /** The events of an allowed call mined at block time `at`. */
  emits: (ctx: Ctx, who: ActorKey, at: number) => Promise<Expected[]>;
  /** Values read before the call, handed to `after` (balances and nonces, for deltas). */
  observe?: (ctx: Ctx, who: ActorKey) => Promise<readonly bigint[]>;
  /** Asserts the state after an allowed call. */
  after: (ctx: Ctx, who: ActorKey, at: number, observed: readonly bigint[]) => Promise<void>;
  /** The error a refused actor gets. */
  refusal: (ctx: Ctx, who: ActorKey) => Expected;
  /** What the pause does to the function; absent for OpenZeppelin's role governance (see the report). */
  whilePaused?: "reverts" | "works";
}

const addr = (ctx: Ctx, who: ActorKey): string => ctx.accounts[who].address;

/** DEFAULT_ADMIN_ROLE or PAUSER_ROLE only: OpenZeppelin's AccessControlUnauthorizedAccount. */
const missingRole =
  (role: string) =>
  (ctx: Ctx, who: ActorKey): Expected => ({ name: "AccessControlUnauthorizedAccount", args: [addr(ctx, who), role] });

/** The partner checks: not authorized (standing), then, when a role is required, the wrong role. */
function partnerGate(ctx: Ctx, who: ActorKey, required?: Role): Expected {
  const info = ACTOR_INFO[who];
  if (info.standing !== Standing.Authorized) return { name: "PartnerNotAuthorized", args: [addr(ctx, who), info.standing] };
  if (required !== undefined && info.role !== required) {
    return { name: "PartnerWrongRole", args: [addr(ctx, who), info.role, required] };
  }
  throw new Error(`${who} passes the partner checks: the table lists no refusal for it`);
}
const requiresRole =
  (required?: Role) =>
  (ctx: Ctx, who: ActorKey): Expected =>
    partnerGate(ctx, who, required);

const legArgs = (leg: typeof GOOD_LEG): unknown[] => [
  leg.minTemp,
  leg.maxTemp,
  leg.meanKineticTemp,
  leg.minutesOutOfRange,
  leg.loggerHash,
];

/** What each actor commissions: a new lot under a prefix of its own where it has one. */
function commissionFor(ctx: Ctx, who: ActorKey): IBatchRegistry.CommissionStruct {
  const gtin =
    who === "otherManufacturer"
      ? FOREIGN_GTIN
      : who === "suspendedManufacturer" || who === "expiredManufacturer"
        ? ctx.standInBatch[who].gtin
        : GTIN;
  return {
    gtin,
    lot: NEW_LOT,
    expiry: ctx.future + YEAR,
    quantity: 100n,
    minTemp: 20,
    maxTemp: 80,
    serialRoot: ctx.tree.root,
    certificateHash: ethers.id("certificate of the matrix lot"),
    certificateURI: "ipfs://QmCertificateOfTheMatrixLot",
  };
}

/** Where each actor ships one unit: a batch it holds (when it holds one) on a route it may use. */
function shipmentFor(ctx: Ctx, who: ActorKey, lotLevel = false): { batchId: string; receiver: string; isReturn: boolean } {
  switch (who) {
    case "otherManufacturer":
      return { batchId: ctx.foreignBatchId, receiver: ctx.distributor.address, isReturn: false };
    case "distributor":
    case "suspendedDistributor":
    case "expiredDistributor":
      // A lot-level leg of a serialized batch may not go to a dispenser: it goes to the other distributor.
      return { batchId: ctx.batchId, receiver: lotLevel ? ctx.distributor2.address : ctx.pharmacy.address, isReturn: false };
    case "pharmacy":
    case "suspendedDispenser":
    case "expiredDispenser":
      return { batchId: ctx.batchId, receiver: ctx.distributor.address, isReturn: true };
    default:
      return { batchId: ctx.batchId, receiver: ctx.distributor.address, isReturn: false };
  }
}

/** The shipment each actor tries to settle: its own when one is in transit to it, else the distributor's. */
function settledFor(ctx: Ctx, who: ActorKey): { shipment: ShipmentKey; shipmentId: string } {
  return who === "suspendedDistributor" || who === "expiredDistributor" ? ctx.pendingTo[who] : ctx.inbound;
}
const notReceiver = (ctx: Ctx, who: ActorKey): Expected =>
  ACTOR_INFO[who].standing === Standing.Authorized || ACTOR_INFO[who].role === Role.None
    ? { name: "CustodyNotReceiver", args: [ctx.inbound.shipmentId, addr(ctx, who), ctx.distributor.address] }
    : partnerGate(ctx, who);

/** The shipment each actor tries to cancel: its own when it sent one, else the manufacturer's `inbound`. */
function cancelledFor(ctx: Ctx, who: ActorKey): { shipment: ShipmentKey; shipmentId: string } {
  return who === "suspendedDistributor" || who === "expiredDistributor" ? ctx.sentBy[who] : ctx.inbound;
}
const notSender = (ctx: Ctx, who: ActorKey): Expected =>
  who === "suspendedDistributor" || who === "expiredDistributor"
    ? partnerGate(ctx, who)
    : { name: "CustodyNotSender", args: [ctx.inbound.shipmentId, addr(ctx, who), ctx.manufacturer.address] };

/** Moves the clock to the first second every shipment an actor may cancel is CANCEL_AFTER old. */
async function untilCancellable(ctx: Ctx): Promise<void> {
  const cancelAfter = await ctx.rx.CANCEL_AFTER();
  let due = 0n;
  for (const { shipmentId } of [ctx.inbound, ...Object.values(ctx.sentBy)]) {
    const at = (await ctx.rx.shipment(shipmentId)).shippedAt + cancelAfter;
    if (at > due) due = at;
  }
  // A pause that began at most PAUSE_GRACE after that moment moves it to PAUSE_GRACE after the unpause.
  const unpaused = await ctx.rx.queryFilter(ctx.rx.filters.Unpaused());
  if (unpaused.length > 0) {
    const unpausedAt = BigInt((await unpaused[unpaused.length - 1].getBlock()).timestamp);
    const graceEnd = unpausedAt + (await ctx.rx.PAUSE_GRACE());
    if (graceEnd > due) due = graceEnd;
  }
  if (due > BigInt(await time.latest())) await time.increaseTo(due);
}

/** The batch each actor recalls: its own for the manufacturer stand-ins, else the main batch. */
function recalledBatch(ctx: Ctx, who: ActorKey): string {
  return who === "suspendedManufacturer" || who === "expiredManufacturer" ? ctx.standInBatch[who].batchId : ctx.batchId;
}

async function verdictOfMainBatch(ctx: Ctx): Promise<bigint> {
  const [verdict] = await ctx.rx.verifyPack(GTIN, LOT, serialToBytes32(SERIALS[0]), ctx.tree.proof(SERIALS[0]), ZeroAddress);
  return verdict;
}

// ---------------------------------------------------------------------------------------------------------
// Shipping, receiving and rejecting: the parts the direct and the signed entry points share
// ---------------------------------------------------------------------------------------------------------

/** The Merkle root of a shipment's manifest (shipPacks, shipSigned, handover). */
const MANIFEST = ethers.id("manifest of the matrix shipment");

/** The regulator is authorized but may ship to nobody: the route check refuses it. */
function shipRefusal(ctx: Ctx, who: ActorKey): Expected {
  return who === "regulator"
    ? { name: "CustodyRouteNotPermitted", args: [ctx.regulator.address, Role.Regulator, ctx.distributor.address, Role.Distributor] }
    : partnerGate(ctx, who);
}

/** Who may move one unit along `shipmentFor`, and what the others meet. */
const SHIPPERS = {
  standIns: [Role.Distributor, Role.Dispenser],
  allowed: ["manufacturer", "otherManufacturer", "distributor", "pharmacy"],
  whilePaused: "reverts",
  refusal: shipRefusal,
} as const satisfies Partial<Row>;

const saleableOf = async (ctx: Ctx, batchId: string, holder: string): Promise<bigint> =>
  (await ctx.rx.holding(batchId, holder)).saleable;

/** The Shipped event of `who` shipping one unit along `shipmentFor`, read before the call. */
async function shippedEvent(ctx: Ctx, who: ActorKey, lotLevel = false): Promise<Expected> {
  const s = shipmentFor(ctx, who, lotLevel);
  const nonce = (await ctx.rx.holding(s.batchId, addr(ctx, who))).shipments;
  const id = shipmentIdOf({ batchId: s.batchId, sender: addr(ctx, who), receiver: s.receiver, quantity: 1n, nonce });
  return { name: "Shipped", args: [id, s.batchId, addr(ctx, who), s.receiver, 1n, nonce, s.isReturn] };
}

/** Shipped, then ManifestCommitted for MANIFEST. */
async function shippedWithManifest(ctx: Ctx, who: ActorKey): Promise<Expected[]> {
  const shipped = await shippedEvent(ctx, who);
  const [shipmentId, batchId] = shipped.args;
  return [shipped, { name: "ManifestCommitted", args: [shipmentId, batchId, MANIFEST] }];
}

/** One unit left `who`'s saleable stock and is in transit since `at`. */
async function expectShippedOne(ctx: Ctx, who: ActorKey, at: number, [saleableBefore]: readonly bigint[], lotLevel = false): Promise<void> {
  const s = shipmentFor(ctx, who, lotLevel);
  const h = await ctx.rx.holding(s.batchId, addr(ctx, who));
  expect(h.saleable).to.equal(saleableBefore - 1n);
  const id = shipmentIdOf({ batchId: s.batchId, sender: addr(ctx, who), receiver: s.receiver, quantity: 1n, nonce: h.shipments - 1n });
  const record = await ctx.rx.shipment(id);
  expect(record.status).to.equal(ShipmentStatus.InTransit);
  expect(record.isReturn).to.equal(s.isReturn);
  expect(record.shippedAt).to.equal(at);
}

/** ship and shipPacks: the actor's saleable stock is observed. */
const SHIPPING = {
  ...SHIPPERS,
  observe: async (ctx, who) => [await saleableOf(ctx, shipmentFor(ctx, who).batchId, addr(ctx, who))],
  after: expectShippedOne,
} as const satisfies Partial<Row>;

/** receiveShipment and receiveSigned: only the receiver, the distributor (or a stand-in with its own shipment). */
const RECEIVING = {
  standIns: [Role.Distributor],
  allowed: ["distributor"],
  whilePaused: "reverts",
  observe: async (ctx, who) => [await saleableOf(ctx, ctx.batchId, addr(ctx, who))],
  emits: async (ctx, who) => {
    const { shipment, shipmentId } = settledFor(ctx, who);
    return [
      {
        name: "Received",
        args: [shipmentId, shipment.batchId, addr(ctx, who), shipment.sender, shipment.quantity, legArgs(GOOD_LEG), false],
      },
    ];
  },
  after: async (ctx, who, _at, [saleableBefore]) => {
    const { shipment, shipmentId } = settledFor(ctx, who);
    expect((await ctx.rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.None);
    expect(await saleableOf(ctx, ctx.batchId, addr(ctx, who))).to.equal(saleableBefore + shipment.quantity);
  },
} as const satisfies Partial<Row>;

/** rejectShipment and rejectSigned (damaged goods): only the receiver; the sender's quarantine is observed. */
const REJECTING = {
  standIns: [Role.Distributor],
  allowed: ["distributor"],
  whilePaused: "reverts",
  observe: async (ctx, who) => [(await ctx.rx.holding(ctx.batchId, settledFor(ctx, who).shipment.sender)).quarantined],
  emits: async (ctx, who) => {
    const { shipment, shipmentId } = settledFor(ctx, who);
    const leg = [GOOD_LEG.minTemp, GOOD_LEG.maxTemp, GOOD_LEG.meanKineticTemp, GOOD_LEG.minutesOutOfRange, GOOD_LEG.loggerHash];
    return [
      {
        name: "Rejected",
        args: [shipmentId, shipment.batchId, addr(ctx, who), shipment.sender, shipment.quantity, RejectionReason.Damaged, EVIDENCE, leg, true],
      },
    ];
  },
  after: async (ctx, who, _at, [senderQuarantinedBefore]) => {
    const { shipment, shipmentId } = settledFor(ctx, who);
    expect((await ctx.rx.shipment(shipmentId)).status).to.equal(ShipmentStatus.None);
    expect((await ctx.rx.holding(ctx.batchId, shipment.sender)).quarantined).to.equal(senderQuarantinedBefore + shipment.quantity);
  },
} as const satisfies Partial<Row>;

// ---------------------------------------------------------------------------------------------------------
// Signing (EIP-712): the actor signs, the stranger submits
// ---------------------------------------------------------------------------------------------------------

/** The typed data of the signed entry points: the library's, which test/SignedHandovers.test.ts checks against the contract. */
const TYPES = {
  Ship: SIGNED_TYPES.ship,
  Receive: SIGNED_TYPES.receive,
  Reject: REJECT_TYPES,
  Handover: SIGNED_TYPES.handover,
};

/** `who`'s ERC-2098 compact signature of `message` (64 bytes), under the contract's EIP-712 domain. */
async function signedBy(
  ctx: Ctx,
  who: ActorKey,
  types: Record<string, TypedDataField[]>,
  message: Record<string, unknown>,
): Promise<string> {
  const { name, version, chainId, verifyingContract } = await ctx.rx.eip712Domain();
  const signature = await ctx.accounts[who].signTypedData({ name, version, chainId, verifyingContract }, types, message);
  return Signature.from(signature).compactSerialized;
}

/** The nonce `who`'s next signed ship, receive or reject must carry. */
const signatureNonce = async (ctx: Ctx, who: ActorKey): Promise<bigint> => (await ctx.rx.partner(addr(ctx, who))).nonce;

const chainIdOf = async (): Promise<bigint> => (await ethers.provider.getNetwork()).chainId;

/** `who`'s authorization of `fields`, with its next nonce and a deadline a year ahead. */
async function authorizationBy(
  ctx: Ctx,
  who: ActorKey,
  types: Record<string, TypedDataField[]>,
  fields: Record<string, unknown>,
): Promise<AuthorizationStruct> {
  const nonce = await signatureNonce(ctx, who);
  const deadline = ctx.future;
  const signature = await signedBy(ctx, who, types, { ...fields, nonce, deadline });
  return { nonce, deadline, chainId: await chainIdOf(), signature };
}

/** Anyone may submit a signed call: the stranger does. */
const submitter = (ctx: Ctx): RxTrace => ctx.rx.connect(ctx.stranger);

/** The actor whose account is `address`. */
function actorAt(ctx: Ctx, address: string): ActorKey {
  const key = (Object.keys(ctx.accounts) as ActorKey[]).find((k) => ctx.accounts[k].address === address);
  if (key === undefined) throw new Error(`no actor has the account ${address}`);
  return key;
}

/**
 * What a signature by anyone but the shipment's receiver meets: the contract recovers the signer and compares it with
 * the receiver named in the shipment (the analogue of CustodyNotReceiver). The stand-ins sign a shipment addressed
 * to them and meet the partner check.
 */
const notReceiverSigning = (ctx: Ctx, who: ActorKey): Expected =>
  ACTOR_INFO[who].standing === Standing.Authorized || ACTOR_INFO[who].role === Role.None
    ? { name: "SignatureInvalidSigner", args: [ctx.inbound.shipment.receiver, addr(ctx, who)] }
    : partnerGate(ctx, who);

/** The signer's nonce moved on by one. */
async function expectNonceUsed(ctx: Ctx, who: ActorKey, nonceBefore: bigint): Promise<void> {
  expect(await signatureNonce(ctx, who)).to.equal(nonceBefore + 1n);
}

/** The handover of one unit along `shipmentFor` that `who` and its receiver sign: the nonce is `who`'s shipment count. */
async function handoverFor(ctx: Ctx, who: ActorKey) {
  const s = shipmentFor(ctx, who);
  const nonce = (await ctx.rx.holding(s.batchId, addr(ctx, who))).shipments;
  return {
    batchId: s.batchId,
    sender: addr(ctx, who),
    receiver: s.receiver,
    quantity: 1n,
    manifest: MANIFEST,
    leg: GOOD_LEG,
    nonce,
    // Within MAX_HANDOVER_VALIDITY (30 days) of the fixture's clock.
    deadline: ctx.future - YEAR + 20 * DAY,
  };
}

/** The handover nonce each actor cancels, as the sender of a handover to the distributor. */
const CANCELLED_NONCE = 9n;
function cancelledHandoverFor(ctx: Ctx, who: ActorKey) {
  return {
    batchId: ctx.batchId,
    sender: addr(ctx, who),
    receiver: ctx.distributor.address,
    quantity: 1n,
    manifest: MANIFEST,
    leg: GOOD_LEG,
    nonce: CANCELLED_NONCE,
    deadline: ctx.future,
  };
}

/** How far each revoking actor moves its signature nonce. */
const REVOKED = 3n;

/**
 * Every onboarded partner, whatever its standing: revoking its own unused signatures only takes rights away. Only
 * accounts that were never onboarded (the admin, the pauser, the stranger) are refused.
 */
const EVERY_PARTNER = {
  standIns: PARTNER_ROLES,
  allowed: [
    "manufacturer",
    "otherManufacturer",
    "distributor",
    "pharmacy",
    "regulator",
    ...PARTNER_ROLES.flatMap((role) => [suspendedOf(role), expiredOf(role)]),
  ],
  refusal: (ctx: Ctx, who: ActorKey): Expected => ({ name: "PartnerUnknown", args: [addr(ctx, who)] }),
} as const satisfies Partial<Row>;

// ---------------------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------------------

/** Cases under the manufacturers' company prefixes (extension digit 1, prefix, serial reference 000000001). */
const CASE_SSCC = makeSscc("10312345000000001");
const FOREIGN_CASE_SSCC = makeSscc("10398765000000001");
/** The case each actor seals: one under a company prefix it owns (the cast's), else the manufacturer's. */
const SEALED_SSCC: Partial<Record<ActorKey, bigint>> = {
  otherManufacturer: FOREIGN_CASE_SSCC,
  distributor: makeSscc("10614141000000001"),
  pharmacy: makeSscc("10860001000000001"),
};
const sealedSsccOf = (who: ActorKey): bigint => SEALED_SSCC[who] ?? CASE_SSCC;
/** A case of two packs: every holder in the matrix holds at least two units of the batch it packs. */
const CASE = caseContentsOf(SERIALS.slice(0, 2));

/** The case each actor opens: the other manufacturer's of its own batch, else the manufacturer's (see openCase). */
function openedCaseFor(ctx: Ctx, who: ActorKey): { sscc: bigint; batchId: string } {
  return who === "otherManufacturer"
    ? { sscc: FOREIGN_CASE_SSCC, batchId: ctx.foreignBatchId }
    : { sscc: CASE_SSCC, batchId: ctx.batchId };
}

/** Any authorized partner holding the units; the regulator is authorized but never holds any. */
const CASE_HOLDERS = {
  standIns: [Role.Distributor, Role.Dispenser],
  allowed: ["manufacturer", "otherManufacturer", "distributor", "pharmacy"],
  whilePaused: "reverts",
} as const satisfies Partial<Row>;

const ADMIN_ONLY = { standIns: [Role.Distributor], allowed: ["admin"], refusal: missingRole(ZeroHash) } as const;
/** Routine partner acts (distributors, dispensers, suspensions): the admin or the operator (IGovernance). */
const ADMIN_OR_OPERATOR = { standIns: [Role.Distributor], allowed: ["admin", "pauser"], refusal: missingRole(OPERATOR_ROLE) } as const;
const PAUSER_ONLY = { standIns: [Role.Distributor], allowed: ["pauser"], refusal: missingRole(PAUSER_ROLE) } as const;
const CORRECTED_CERTIFICATE = ethers.id("corrected certificate of the matrix batch");
const CORRECTED_URI = "ipfs://QmCorrectedCertificateOfTheMatrixBatch";
const REGULATOR_ONLY = { standIns: [Role.Regulator], allowed: ["regulator"], refusal: requiresRole(Role.Regulator) } as const;

const TABLE: readonly Row[] = [
  // ------------------------------------------------------------------ partner registry: admin only
  {
    name: "onboardPartner",
    ...ADMIN_OR_OPERATOR,
    whilePaused: "reverts",
    call: (ctx, who) =>
      ctx.rx
        .connect(ctx.accounts[who])
        .onboardPartner(ctx.newcomer.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, ctx.future, NEWCOMER_NAME),
    emits: async (ctx) => [
      {
        name: "PartnerOnboarded",
        args: [ctx.newcomer.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, ctx.future, NEWCOMER_NAME],
      },
    ],
    after: async (ctx) => {
      const p = await ctx.rx.partner(ctx.newcomer.address);
      expect(p.role).to.equal(Role.Distributor);
      expect(p.licenceExpiry).to.equal(ctx.future);
      expect(p.gln).to.equal(NEWCOMER_GLN);
      expect(await ctx.rx.standing(ctx.newcomer.address)).to.equal(Standing.Authorized);
    },
  },
  {
    name: "assignCompanyPrefix",
    ...ADMIN_ONLY,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).assignCompanyPrefix(ctx.manufacturer.address, NEW_PREFIX),
    emits: async (ctx) => [{ name: "CompanyPrefixAssigned", args: [ctx.manufacturer.address, NEW_PREFIX] }],
    after: async (ctx) => {
      expect(await ctx.rx.companyPrefixOwner(NEW_PREFIX)).to.equal(ctx.manufacturer.address);
    },
  },
  {
    name: "renewLicence",
    ...ADMIN_OR_OPERATOR,
    whilePaused: "reverts",
    call: (ctx, who) =>
      ctx.rx.connect(ctx.accounts[who]).renewLicence(ctx.accounts.expiredDistributor.address, RENEWED_REF, ctx.future),
    emits: async (ctx) => [
      { name: "LicenceRenewed", args: [ctx.accounts.expiredDistributor.address, RENEWED_REF, ctx.future] },
    ],
    after: async (ctx) => {
      expect((await ctx.rx.partner(ctx.accounts.expiredDistributor.address)).licenceExpiry).to.equal(ctx.future);
      expect(await ctx.rx.standing(ctx.accounts.expiredDistributor.address)).to.equal(Standing.Authorized);
    },
  },
  {
    name: "suspendPartner",
    ...ADMIN_OR_OPERATOR,
    whilePaused: "works",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).suspendPartner(ctx.distributor.address, REASON),
    emits: async (ctx) => [{ name: "PartnerSuspended", args: [ctx.distributor.address, REASON] }],
    after: async (ctx) => {
      expect(await ctx.rx.standing(ctx.distributor.address)).to.equal(Standing.Suspended);
    },
  },
  {
    name: "reinstatePartner",
    ...ADMIN_OR_OPERATOR,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).reinstatePartner(ctx.accounts.suspendedDistributor.address),
    emits: async (ctx) => [{ name: "PartnerReinstated", args: [ctx.accounts.suspendedDistributor.address] }],
    after: async (ctx) => {
      expect(await ctx.rx.standing(ctx.accounts.suspendedDistributor.address)).to.equal(Standing.Authorized);
    },
  },
  // ------------------------------------------------------------------ emergency pause: pauser only
  {
    name: "pause",
    ...PAUSER_ONLY,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).pause(),
    emits: async (ctx, who) => [{ name: "Paused", args: [addr(ctx, who)] }],
    after: async (ctx) => {
      expect(await ctx.rx.paused()).to.equal(true);
    },
  },
  {
    name: "unpause",
    ...PAUSER_ONLY,
    whilePaused: "works",
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.pauser).pause();
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).unpause(),
    emits: async (ctx, who) => [{ name: "Unpaused", args: [addr(ctx, who)] }],
    after: async (ctx) => {
      expect(await ctx.rx.paused()).to.equal(false);
    },
  },
  // ------------------------------------------------------------------ batches
  {
    name: "commissionBatch",
    standIns: [Role.Manufacturer],
    allowed: ["manufacturer", "otherManufacturer"],
    whilePaused: "reverts",
    refusal: requiresRole(Role.Manufacturer),
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).commissionBatch(commissionFor(ctx, who)),
    emits: async (ctx, who) => {
      const c = commissionFor(ctx, who);
      const batchId = batchIdOf(BigInt(c.gtin), NEW_LOT);
      const fields = [c.gtin, c.lot, c.expiry, c.quantity, c.minTemp, c.maxTemp, c.serialRoot, c.certificateHash, c.certificateURI];
      return [{ name: "BatchCommissioned", args: [batchId, addr(ctx, who), c.gtin, fields] }];
    },
    after: async (ctx, who) => {
      const c = commissionFor(ctx, who);
      const batchId = batchIdOf(BigInt(c.gtin), NEW_LOT);
      expect(await ctx.rx.manufacturerOf(batchId)).to.equal(addr(ctx, who));
      expect((await ctx.rx.holding(batchId, addr(ctx, who))).saleable).to.equal(c.quantity);
    },
  },
  // ------------------------------------------------------------------ custody
  {
    name: "ship",
    ...SHIPPING,
    call: (ctx, who) => {
      const s = shipmentFor(ctx, who, true);
      return ctx.rx.connect(ctx.accounts[who]).ship(s.batchId, s.receiver, 1n);
    },
    emits: async (ctx, who) => [await shippedEvent(ctx, who, true)],
    after: (ctx, who, at, observed) => expectShippedOne(ctx, who, at, observed, true),
  },
  {
    name: "shipPacks",
    ...SHIPPING,
    call: (ctx, who) => {
      const s = shipmentFor(ctx, who);
      return ctx.rx.connect(ctx.accounts[who]).shipPacks(s.batchId, s.receiver, 1n, MANIFEST);
    },
    emits: async (ctx, who) => {
      const shipped = await shippedEvent(ctx, who);
      const [shipmentId, batchId] = shipped.args;
      return [shipped, { name: "ManifestCommitted", args: [shipmentId, batchId, MANIFEST] }];
    },
  },
  {
    name: "receiveShipment",
    ...RECEIVING,
    refusal: notReceiver,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).receiveShipment(settledFor(ctx, who).shipment, GOOD_LEG),
  },
  {
    name: "rejectShipment",
    ...REJECTING,
    refusal: notReceiver,
    call: (ctx, who) =>
      ctx.rx.connect(ctx.accounts[who]).rejectShipment(settledFor(ctx, who).shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG),
  },
  {
    // Only the sender, once the receiver left the shipment unsettled for CANCEL_AFTER seconds.
    name: "cancelShipment",
    standIns: [Role.Distributor],
    allowed: ["manufacturer"],
    whilePaused: "reverts",
    refusal: notSender,
    setup: untilCancellable,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).cancelShipment(cancelledFor(ctx, who).shipment),
    observe: async (ctx, who) => [(await ctx.rx.holding(ctx.batchId, addr(ctx, who))).quarantined],
    emits: async (ctx, who) => {
      const { shipment, shipmentId } = cancelledFor(ctx, who);
      return [
        {
          name: "ShipmentCancelled",
          args: [shipmentId, shipment.batchId, addr(ctx, who), shipment.receiver, shipment.quantity],
        },
      ];
    },
    after: async (ctx, who, _at, [quarantinedBefore]) => {
      const { shipment, shipmentId } = cancelledFor(ctx, who);
      expect((await ctx.rx.shipment(shipmentId)).status).to.equal(2n); // ShipmentStatus.Cancelled
      expect((await ctx.rx.holding(ctx.batchId, addr(ctx, who))).quarantined).to.equal(quarantinedBefore + shipment.quantity);
    },
  },
  // ------------------------------------------------------------------ cases
  {
    name: "sealCase",
    ...CASE_HOLDERS,
    refusal: (ctx, who) =>
      who === "regulator"
        ? { name: "CaseSsccNotOwned", args: [CASE_SSCC, ctx.regulator.address] }
        : partnerGate(ctx, who),
    call: (ctx, who) =>
      ctx.rx.connect(ctx.accounts[who]).sealCase(sealedSsccOf(who), shipmentFor(ctx, who).batchId, CASE.contents, CASE.packs),
    observe: async (ctx, who) => [await saleableOf(ctx, shipmentFor(ctx, who).batchId, addr(ctx, who))],
    emits: async (ctx, who) => [
      { name: "CaseSealed", args: [sealedSsccOf(who), shipmentFor(ctx, who).batchId, addr(ctx, who), CASE.contents, CASE.packs] },
    ],
    after: async (ctx, who, _at, [saleableBefore]) => {
      expect(await ctx.rx.caseStatus(sealedSsccOf(who))).to.equal(CaseStatus.Sealed);
      // Sealing moves no units.
      expect(await saleableOf(ctx, shipmentFor(ctx, who).batchId, addr(ctx, who))).to.equal(saleableBefore);
    },
  },
  {
    // Whoever holds the units of the case's batch, wherever the case went.
    name: "openCase",
    ...CASE_HOLDERS,
    refusal: (ctx, who) =>
      who === "regulator"
        ? { name: "CaseNotHeld", args: [CASE_SSCC, ctx.regulator.address, 0n, CASE.packs] }
        : partnerGate(ctx, who),
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.manufacturer).sealCase(CASE_SSCC, ctx.batchId, CASE.contents, CASE.packs);
      await ctx.rx.connect(ctx.otherManufacturer).sealCase(FOREIGN_CASE_SSCC, ctx.foreignBatchId, CASE.contents, CASE.packs);
    },
    call: (ctx, who) => {
      const { sscc, batchId } = openedCaseFor(ctx, who);
      return ctx.rx.connect(ctx.accounts[who]).openCase(sscc, batchId, CASE.contents, CASE.packs);
    },
    emits: async (ctx, who) => {
      const { sscc, batchId } = openedCaseFor(ctx, who);
      return [{ name: "CaseOpened", args: [sscc, batchId, addr(ctx, who)] }];
    },
    after: async (ctx, who) => {
      expect(await ctx.rx.caseStatus(openedCaseFor(ctx, who).sscc)).to.equal(CaseStatus.Opened);
    },
  },
  // ------------------------------------------------------------------ signed handovers: the actor signs, the stranger submits
  {
    name: "shipSigned",
    actor: "signer",
    ...SHIPPERS,
    call: async (ctx, who) => {
      const s = shipmentFor(ctx, who);
      const sender = addr(ctx, who);
      const fields = { sender, batchId: s.batchId, receiver: s.receiver, quantity: 1n, manifest: MANIFEST };
      const auth = await authorizationBy(ctx, who, TYPES.Ship, fields);
      return submitter(ctx).shipSigned(sender, s.batchId, s.receiver, 1n, MANIFEST, auth);
    },
    observe: async (ctx, who) => [
      await saleableOf(ctx, shipmentFor(ctx, who).batchId, addr(ctx, who)),
      await signatureNonce(ctx, who),
    ],
    emits: shippedWithManifest,
    after: async (ctx, who, at, [saleableBefore, nonceBefore]) => {
      await expectShippedOne(ctx, who, at, [saleableBefore]);
      await expectNonceUsed(ctx, who, nonceBefore);
    },
  },
  {
    name: "receiveSigned",
    actor: "signer",
    ...RECEIVING,
    refusal: notReceiverSigning,
    call: async (ctx, who) => {
      const { shipment } = settledFor(ctx, who);
      const auth = await authorizationBy(ctx, who, TYPES.Receive, { shipment, leg: GOOD_LEG });
      return submitter(ctx).receiveSigned(shipment, GOOD_LEG, auth);
    },
    observe: async (ctx, who) => [...(await RECEIVING.observe(ctx, who)), await signatureNonce(ctx, who)],
    after: async (ctx, who, at, [saleableBefore, nonceBefore]) => {
      await RECEIVING.after(ctx, who, at, [saleableBefore]);
      await expectNonceUsed(ctx, who, nonceBefore);
    },
  },
  {
    name: "rejectSigned",
    actor: "signer",
    ...REJECTING,
    refusal: notReceiverSigning,
    call: async (ctx, who) => {
      const { shipment } = settledFor(ctx, who);
      const fields = { shipment, reason: RejectionReason.Damaged, evidence: EVIDENCE, leg: GOOD_LEG };
      const auth = await authorizationBy(ctx, who, TYPES.Reject, fields);
      return submitter(ctx).rejectSigned(shipment, RejectionReason.Damaged, EVIDENCE, GOOD_LEG, auth);
    },
    observe: async (ctx, who) => [...(await REJECTING.observe(ctx, who)), await signatureNonce(ctx, who)],
    after: async (ctx, who, at, [senderSaleableBefore, nonceBefore]) => {
      await REJECTING.after(ctx, who, at, [senderSaleableBefore]);
      await expectNonceUsed(ctx, who, nonceBefore);
    },
  },
  {
    // The actor is the sender; its receiver co-signs (see the tests after the matrix for a receiver that may not).
    name: "handover",
    actor: "signer",
    ...SHIPPERS,
    call: async (ctx, who) => {
      const h = await handoverFor(ctx, who);
      const bySender = await signedBy(ctx, who, TYPES.Handover, h);
      const byReceiver = await signedBy(ctx, actorAt(ctx, h.receiver), TYPES.Handover, h);
      return submitter(ctx).handover(h, await chainIdOf(), bySender, byReceiver);
    },
    observe: async (ctx, who) => {
      const h = await handoverFor(ctx, who);
      return [
        await saleableOf(ctx, h.batchId, h.sender),
        await saleableOf(ctx, h.batchId, h.receiver),
        await signatureNonce(ctx, who),
      ];
    },
    emits: async (ctx, who) => {
      const h = await handoverFor(ctx, who);
      const id = shipmentIdOf({ batchId: h.batchId, sender: h.sender, receiver: h.receiver, quantity: 1n, nonce: h.nonce });
      return [
        {
          name: "HandedOver",
          args: [id, h.batchId, h.sender, h.receiver, 1n, h.nonce, MANIFEST, legArgs(GOOD_LEG), false, h.nonce],
        },
      ];
    },
    after: async (ctx, who, _at, [senderBefore, receiverBefore, nonceBefore]) => {
      const s = shipmentFor(ctx, who);
      const h = await ctx.rx.holding(s.batchId, addr(ctx, who));
      expect(h.saleable).to.equal(senderBefore - 1n);
      expect(await saleableOf(ctx, s.batchId, s.receiver)).to.equal(receiverBefore + 1n);
      // Never in transit: no shipment record under the handover's id, except the custody record of a pack leg a
      // dispenser received (ShipmentStatus.Received, 3).
      const id = shipmentIdOf({ batchId: s.batchId, sender: addr(ctx, who), receiver: s.receiver, quantity: 1n, nonce: h.shipments - 1n });
      expect((await ctx.rx.shipment(id)).status).to.equal(s.receiver === ctx.pharmacy.address ? 3n : ShipmentStatus.None);
      // The handover's nonce is the sender's shipment count; its signature nonce is left alone.
      expect(await signatureNonce(ctx, who)).to.equal(nonceBefore);
    },
  },
  {
    // The actor is the caller: it revokes the signatures it handed out and nobody submitted yet.
    name: "revokeSignatures",
    ...EVERY_PARTNER,
    whilePaused: "works",
    call: async (ctx, who) => ctx.rx.connect(ctx.accounts[who]).revokeSignatures((await signatureNonce(ctx, who)) + REVOKED),
    observe: async (ctx, who) => [await signatureNonce(ctx, who)],
    emits: async (ctx, who) => {
      const from = await signatureNonce(ctx, who);
      return [{ name: "SignaturesRevoked", args: [addr(ctx, who), from, from + REVOKED] }];
    },
    after: async (ctx, who, _at, [nonceBefore]) => {
      expect(await signatureNonce(ctx, who)).to.equal(nonceBefore + REVOKED);
    },
  },
  {
    // The actor cancels a handover it signed as sender (any known partner, in any standing: it only restricts).
    // Not while paused: the receiver could not submit the handover meanwhile (AttacksFresh test).
    name: "cancelHandover",
    ...EVERY_PARTNER,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).cancelHandover(cancelledHandoverFor(ctx, who), "0x"),
    // The sender's cancel is a request, completed HANDOVER_CANCEL_DELAY later (SignedHandovers and Attacks test both).
    emits: async (ctx, who, at) => {
      const h = cancelledHandoverFor(ctx, who);
      const digest = ethers.TypedDataEncoder.hash(await readDomain(ctx.rx), SIGNED_TYPES.handover, h);
      const effectiveAt = BigInt(at) + (await ctx.rx.HANDOVER_CANCEL_DELAY());
      return [{ name: "HandoverCancelRequested", args: [digest, h.sender, h.receiver, CANCELLED_NONCE, effectiveAt] }];
    },
    after: async (ctx, who) => {
      expect(await ctx.rx.isHandoverNonceUsed(addr(ctx, who), CANCELLED_NONCE)).to.equal(false);
    },
  },
  // ------------------------------------------------------------------ product safety
  {
    name: "recall",
    standIns: [Role.Manufacturer, Role.Regulator],
    // The batch's own manufacturer recalls in any standing (a restrictive act always works).
    allowed: ["manufacturer", "regulator", "suspendedManufacturer", "expiredManufacturer"],
    whilePaused: "works",
    // Anyone but the batch's manufacturer must be an authorized regulator.
    refusal: requiresRole(Role.Regulator),
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).recall(recalledBatch(ctx, who), 1, RECALL_HASH, RECALL_URI),
    emits: async (ctx, who) => [
      { name: "BatchRecalled", args: [recalledBatch(ctx, who), addr(ctx, who), 1, RECALL_HASH, RECALL_URI] },
    ],
    after: async (ctx, who) => {
      expect((await ctx.rx.batch(recalledBatch(ctx, who))).recallClass).to.equal(1);
      if (recalledBatch(ctx, who) === ctx.batchId) expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Recalled);
    },
  },
  {
    name: "flagSuspect",
    standIns: [Role.Distributor, Role.Regulator],
    allowed: ["manufacturer", "distributor", "pharmacy", "regulator"],
    whilePaused: "works",
    // The other manufacturer is authorized but holds no unit of the batch.
    refusal: (ctx, who) =>
      who === "otherManufacturer"
        ? { name: "SafetyNotHolder", args: [ctx.batchId, ctx.otherManufacturer.address] }
        : partnerGate(ctx, who),
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).flagSuspect(ctx.batchId, REASON),
    // A holder's flag lapses SUSPECT_LAPSE (7 days) after the block; a regulator's does not (zero).
    emits: async (ctx, who, at) => [
      { name: "BatchFlaggedSuspect", args: [ctx.batchId, addr(ctx, who), REASON, who === "regulator" ? 0 : at + 7 * DAY] },
    ],
    after: async (ctx) => {
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Suspect);
    },
  },
  {
    // A regulator makes a holder's suspect flag permanent (it would lapse after SUSPECT_LAPSE).
    name: "confirmSuspect",
    ...REGULATOR_ONLY,
    whilePaused: "works",
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.pharmacy).flagSuspect(ctx.batchId, REASON);
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).confirmSuspect(ctx.batchId, REASON),
    emits: async (ctx, who) => [{ name: "SuspectConfirmed", args: [ctx.batchId, addr(ctx, who), REASON] }],
    after: async (ctx) => {
      expect((await ctx.rx.suspectHold(ctx.batchId)).lapsesAt).to.equal(0n);
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Suspect);
    },
  },
  {
    name: "clearSuspect",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.regulator).flagSuspect(ctx.batchId, REASON);
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).clearSuspect(ctx.batchId, REASON),
    emits: async (ctx, who) => [{ name: "SuspectCleared", args: [ctx.batchId, addr(ctx, who), REASON] }],
    after: async (ctx) => {
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Genuine);
    },
  },
  {
    name: "declareIllegitimate",
    ...REGULATOR_ONLY,
    whilePaused: "works",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).declareIllegitimate(ctx.batchId, REASON),
    emits: async (ctx, who) => [{ name: "BatchDeclaredIllegitimate", args: [ctx.batchId, addr(ctx, who), REASON] }],
    after: async (ctx) => {
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Illegitimate);
    },
  },
  {
    name: "releaseQuarantine",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).releaseQuarantine(ctx.batchId, ctx.pharmacy.address, 1n),
    observe: async (ctx) => [(await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).quarantined],
    emits: async (ctx, who) => [
      { name: "QuarantineReleased", args: [ctx.batchId, ctx.pharmacy.address, addr(ctx, who), 1n] },
    ],
    after: async (ctx, _who, _at, [quarantinedBefore]) => {
      expect((await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).quarantined).to.equal(quarantinedBefore - 1n);
    },
  },
  {
    name: "releaseLeg",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).releaseLeg(ctx.warmLeg.shipment),
    observe: async (ctx) => [(await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).saleable],
    emits: async (ctx, who) => [
      { name: "QuarantineReleased", args: [ctx.batchId, ctx.pharmacy.address, addr(ctx, who), STOCK] },
      { name: "LegReleased", args: [ctx.warmLeg.shipmentId, ctx.batchId, ctx.pharmacy.address, addr(ctx, who)] },
    ],
    after: async (ctx, _who, _at, [saleableBefore]) => {
      expect((await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).saleable).to.equal(saleableBefore + STOCK);
      expect((await ctx.rx.shipment(ctx.warmLeg.shipmentId)).status).to.equal(3n); // Received
    },
  },
  {
    name: "condemnQuarantine",
    ...REGULATOR_ONLY,
    whilePaused: "works",
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).condemnQuarantine(ctx.batchId, ctx.pharmacy.address, 1n),
    observe: async (ctx) => [(await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).quarantined],
    emits: async (ctx, who) => [
      { name: "QuarantineCondemned", args: [ctx.batchId, ctx.pharmacy.address, addr(ctx, who), 1n] },
    ],
    after: async (ctx, _who, _at, [quarantinedBefore]) => {
      const h = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
      expect(h.quarantined).to.equal(quarantinedBefore - 1n);
      expect(h.condemned).to.equal(1n);
    },
  },
  // ------------------------------------------------------------------ governance (IGovernance, through the fallback)
  {
    // Another regulator declared the batch illegitimate; the matrix's regulator reverses it within the window.
    name: "reverseIllegitimate",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.otherRegulator).declareIllegitimate(ctx.batchId, REASON);
    },
    call: (ctx, who) => ctx.gov.connect(ctx.accounts[who]).reverseIllegitimate(ctx.batchId, REASON),
    emits: async (ctx, who) => [{ name: "IllegitimacyReversed", args: [ctx.batchId, addr(ctx, who), ctx.otherRegulator.address, REASON] }],
    after: async (ctx) => {
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Genuine);
    },
  },
  {
    // Another regulator recalled the batch class I; the matrix's regulator reverses it within the window.
    name: "reverseRecall",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.otherRegulator).recall(ctx.batchId, 1, RECALL_HASH, RECALL_URI);
    },
    call: (ctx, who) => ctx.gov.connect(ctx.accounts[who]).reverseRecall(ctx.batchId, REASON),
    emits: async (ctx, who) => [{ name: "RecallReversed", args: [ctx.batchId, addr(ctx, who), ctx.otherRegulator.address, 0, REASON] }],
    after: async (ctx) => {
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Genuine);
    },
  },
  {
    // The manufacturer recalled its lot (class II: final at once); a regulator condemns a saleable unit.
    name: "condemnStock",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    setup: async (ctx) => {
      if ((await ctx.rx.batch(ctx.batchId)).recallClass === 0n) await ctx.rx.connect(ctx.manufacturer).recall(ctx.batchId, 2, RECALL_HASH, RECALL_URI);
    },
    call: (ctx, who) => ctx.gov.connect(ctx.accounts[who]).condemnStock(ctx.batchId, ctx.pharmacy.address, 1n),
    observe: async (ctx) => [(await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address)).saleable],
    emits: async (ctx, who) => [{ name: "StockCondemned", args: [ctx.batchId, ctx.pharmacy.address, addr(ctx, who), 1n] }],
    after: async (ctx, _who, _at, [saleableBefore]) => {
      const h = await ctx.rx.holding(ctx.batchId, ctx.pharmacy.address);
      expect(h.saleable).to.equal(saleableBefore - 1n);
      expect(h.condemned).to.equal(1n);
    },
  },
  {
    name: "transferCompanyPrefix",
    ...ADMIN_ONLY,
    whilePaused: "reverts",
    call: (ctx, who) => ctx.gov.connect(ctx.accounts[who]).transferCompanyPrefix(STAND_IN_PREFIX.expiredManufacturer, ctx.otherManufacturer.address),
    emits: async (ctx) => [
      { name: "CompanyPrefixTransferred", args: [STAND_IN_PREFIX.expiredManufacturer, ctx.accounts.expiredManufacturer.address, ctx.otherManufacturer.address] },
    ],
    after: async (ctx) => {
      expect(await ctx.rx.companyPrefixOwner(STAND_IN_PREFIX.expiredManufacturer)).to.equal(ctx.otherManufacturer.address);
    },
  },
  {
    name: "revokeCompanyPrefix",
    ...ADMIN_ONLY,
    whilePaused: "works",
    call: (ctx, who) => ctx.gov.connect(ctx.accounts[who]).revokeCompanyPrefix(STAND_IN_PREFIX.suspendedManufacturer),
    emits: async (ctx) => [{ name: "CompanyPrefixRevoked", args: [STAND_IN_PREFIX.suspendedManufacturer, ctx.accounts.suspendedManufacturer.address] }],
    after: async (ctx) => {
      expect(await ctx.rx.companyPrefixOwner(STAND_IN_PREFIX.suspendedManufacturer)).to.equal(ZeroAddress);
    },
  },
  {
    // A lot of the manufacturer's that has not moved: the only kind a manufacturer may supersede.
    name: "supersedeBatch",
    standIns: [Role.Manufacturer],
    allowed: ["manufacturer"],
    whilePaused: "reverts",
    refusal: (ctx, who) =>
      who === "otherManufacturer"
        ? { name: "BatchGtinNotOwned", args: [GTIN, addr(ctx, who)] }
        : partnerGate(ctx, who, Role.Manufacturer),
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.manufacturer).commissionBatch(commissionFor(ctx, "manufacturer"));
    },
    call: (ctx, who) => ctx.corr.connect(ctx.accounts[who]).supersedeBatch({ ...commissionFor(ctx, "manufacturer"), quantity: 90n }),
    emits: async (ctx, who) => {
      const c = { ...commissionFor(ctx, "manufacturer"), quantity: 90n };
      const fields = [c.gtin, c.lot, c.expiry, c.quantity, c.minTemp, c.maxTemp, c.serialRoot, c.certificateHash, c.certificateURI];
      return [{ name: "BatchSuperseded", args: [batchIdOf(BigInt(c.gtin), NEW_LOT), addr(ctx, who), 8, fields] }];
    },
    after: async (ctx, who) => {
      expect((await ctx.rx.holding(batchIdOf(GTIN, NEW_LOT), addr(ctx, who))).saleable).to.equal(90n);
    },
  },
  {
    name: "proposeCorrection",
    standIns: [Role.Manufacturer],
    allowed: ["manufacturer"],
    whilePaused: "reverts",
    refusal: (ctx, who) =>
      who === "otherManufacturer"
        ? { name: "CorrectionNotManufacturer", args: [ctx.batchId, addr(ctx, who)] }
        : partnerGate(ctx, who, Role.Manufacturer),
    call: (ctx, who) => ctx.corr.connect(ctx.accounts[who]).proposeCorrection(ctx.batchId, ctx.future + YEAR, CORRECTED_CERTIFICATE, CORRECTED_URI),
    emits: async (ctx, who) => [
      { name: "BatchCorrectionProposed", args: [ctx.batchId, addr(ctx, who), ctx.future + YEAR, CORRECTED_CERTIFICATE, CORRECTED_URI] },
    ],
    after: async (ctx) => {
      expect(await ctx.corr.correctionProposal(ctx.batchId)).to.not.equal(ZeroHash);
    },
  },
  {
    // The manufacturer proposed a corrected certificate (same expiry); a regulator approves it.
    name: "approveCorrection",
    ...REGULATOR_ONLY,
    whilePaused: "reverts",
    setup: async (ctx) => {
      const expiry = (await ctx.rx.batch(ctx.batchId)).expiry;
      await ctx.corr.connect(ctx.manufacturer).proposeCorrection(ctx.batchId, expiry, CORRECTED_CERTIFICATE, CORRECTED_URI);
    },
    call: async (ctx, who) =>
      ctx.corr.connect(ctx.accounts[who]).approveCorrection(ctx.batchId, (await ctx.rx.batch(ctx.batchId)).expiry, CORRECTED_CERTIFICATE, CORRECTED_URI),
    emits: async (ctx, who) => {
      const expiry = (await ctx.rx.batch(ctx.batchId)).expiry;
      return [{ name: "BatchCorrected", args: [ctx.batchId, addr(ctx, who), expiry, expiry, CORRECTED_CERTIFICATE, CORRECTED_URI] }];
    },
    after: async (ctx) => {
      expect((await ctx.rx.batch(ctx.batchId)).flags & 8n).to.equal(8n);
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.Genuine);
    },
  },
  // ------------------------------------------------------------------ dispensing
  {
    name: "dispense",
    standIns: [Role.Dispenser],
    allowed: ["pharmacy"],
    whilePaused: "reverts",
    refusal: requiresRole(Role.Dispenser),
    call: (ctx, who) =>
      ctx.rx.connect(ctx.accounts[who]).dispense(ctx.batchId, serialToBytes32(SERIALS[0]), ctx.tree.proof(SERIALS[0]), claimOf(ctx.toPharmacy, SERIALS[0])),
    emits: async (ctx, who) => [
      { name: "PackDispensed", args: [ctx.batchId, serialToBytes32(SERIALS[0]), addr(ctx, who)] },
    ],
    after: async (ctx) => {
      expect(await ctx.rx.isDispensed(ctx.batchId, serialToBytes32(SERIALS[0]))).to.equal(true);
      expect(await verdictOfMainBatch(ctx)).to.equal(Verdict.AlreadyDispensed);
    },
  },
  // ------------------------------------------------------------------ batching admin work
  {
    name: "multicall",
    ...ADMIN_ONLY,
    // Each inner call keeps the caller and its own checks: onboarding is paused, so the batch is.
    whilePaused: "reverts",
    call: (ctx, who) =>
      ctx.rx
        .connect(ctx.accounts[who])
        .multicall([
          ctx.rx.interface.encodeFunctionData("onboardPartner", [
            ctx.newcomer.address,
            Role.Manufacturer,
            NEWCOMER_GLN,
            LICENCE_REF,
            ctx.future,
            NEWCOMER_NAME,
          ]),
          ctx.rx.interface.encodeFunctionData("assignCompanyPrefix", [ctx.newcomer.address, NEW_PREFIX]),
        ]),
    emits: async (ctx) => [
      {
        name: "PartnerOnboarded",
        args: [ctx.newcomer.address, Role.Manufacturer, NEWCOMER_GLN, LICENCE_REF, ctx.future, NEWCOMER_NAME],
      },
      { name: "CompanyPrefixAssigned", args: [ctx.newcomer.address, NEW_PREFIX] },
    ],
    after: async (ctx) => {
      expect((await ctx.rx.partner(ctx.newcomer.address)).role).to.equal(Role.Manufacturer);
      expect(await ctx.rx.companyPrefixOwner(NEW_PREFIX)).to.equal(ctx.newcomer.address);
    },
  },
  // ------------------------------------------------------------------ OpenZeppelin role governance
  {
    name: "grantRole",
    ...ADMIN_ONLY,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).grantRole(PAUSER_ROLE, ctx.newcomer.address),
    emits: async (ctx, who) => [{ name: "RoleGranted", args: [PAUSER_ROLE, ctx.newcomer.address, addr(ctx, who)] }],
    after: async (ctx) => {
      expect(await ctx.rx.hasRole(PAUSER_ROLE, ctx.newcomer.address)).to.equal(true);
    },
  },
  {
    name: "revokeRole",
    ...ADMIN_ONLY,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).revokeRole(PAUSER_ROLE, ctx.pauser.address),
    emits: async (ctx, who) => [{ name: "RoleRevoked", args: [PAUSER_ROLE, ctx.pauser.address, addr(ctx, who)] }],
    after: async (ctx) => {
      expect(await ctx.rx.hasRole(PAUSER_ROLE, ctx.pauser.address)).to.equal(false);
    },
  },
  {
    // Nobody can renounce a role for somebody else.
    name: "renounceRole",
    standIns: [Role.Distributor],
    allowed: ["pauser"],
    refusal: () => ({ name: "AccessControlBadConfirmation", args: [] }),
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).renounceRole(PAUSER_ROLE, ctx.pauser.address),
    emits: async (ctx, who) => [{ name: "RoleRevoked", args: [PAUSER_ROLE, ctx.pauser.address, addr(ctx, who)] }],
    after: async (ctx) => {
      expect(await ctx.rx.hasRole(PAUSER_ROLE, ctx.pauser.address)).to.equal(false);
    },
  },
  {
    name: "beginDefaultAdminTransfer",
    ...ADMIN_ONLY,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).beginDefaultAdminTransfer(ctx.newcomer.address),
    // The delay is 0 on development networks: the transfer may be accepted from the next block on.
    emits: async (ctx, _who, at) => [
      { name: "DefaultAdminTransferScheduled", args: [ctx.newcomer.address, BigInt(at) + (await ctx.rx.defaultAdminDelay())] },
    ],
    after: async (ctx, _who, at) => {
      const [pending, schedule] = await ctx.rx.pendingDefaultAdmin();
      expect(pending).to.equal(ctx.newcomer.address);
      expect(schedule).to.equal(BigInt(at) + (await ctx.rx.defaultAdminDelay()));
    },
  },
  {
    name: "cancelDefaultAdminTransfer",
    ...ADMIN_ONLY,
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.admin).beginDefaultAdminTransfer(ctx.pauser.address);
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).cancelDefaultAdminTransfer(),
    emits: async () => [{ name: "DefaultAdminTransferCanceled", args: [] }],
    after: async (ctx) => {
      const [pending, schedule] = await ctx.rx.pendingDefaultAdmin();
      expect(pending).to.equal(ZeroAddress);
      expect(schedule).to.equal(0n);
    },
  },
  {
    // Only the pending admin (here the pauser, named by the admin) may accept.
    name: "acceptDefaultAdminTransfer",
    standIns: [Role.Distributor],
    allowed: ["pauser"],
    refusal: (ctx, who) => ({ name: "AccessControlInvalidDefaultAdmin", args: [addr(ctx, who)] }),
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.admin).beginDefaultAdminTransfer(ctx.pauser.address);
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).acceptDefaultAdminTransfer(),
    emits: async (ctx, who) => [
      { name: "RoleRevoked", args: [ZeroHash, ctx.admin.address, addr(ctx, who)] },
      { name: "RoleGranted", args: [ZeroHash, ctx.pauser.address, addr(ctx, who)] },
    ],
    after: async (ctx) => {
      expect(await ctx.rx.defaultAdmin()).to.equal(ctx.pauser.address);
      expect(await ctx.rx.hasRole(ZeroHash, ctx.admin.address)).to.equal(false);
    },
  },
  {
    name: "changeDefaultAdminDelay",
    ...ADMIN_ONLY,
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).changeDefaultAdminDelay(DAY),
    // Raising the delay from 0 to a day waits min(a day, the five-day increase wait): a day.
    emits: async (_ctx, _who, at) => [{ name: "DefaultAdminDelayChangeScheduled", args: [DAY, at + DAY] }],
    after: async (ctx, _who, at) => {
      const [delay, schedule] = await ctx.rx.pendingDefaultAdminDelay();
      expect(delay).to.equal(DAY);
      expect(schedule).to.equal(at + DAY);
    },
  },
  {
    name: "rollbackDefaultAdminDelay",
    ...ADMIN_ONLY,
    setup: async (ctx) => {
      await ctx.rx.connect(ctx.admin).changeDefaultAdminDelay(DAY);
    },
    call: (ctx, who) => ctx.rx.connect(ctx.accounts[who]).rollbackDefaultAdminDelay(),
    emits: async () => [{ name: "DefaultAdminDelayChangeCanceled", args: [] }],
    after: async (ctx) => {
      const [delay, schedule] = await ctx.rx.pendingDefaultAdminDelay();
      expect(delay).to.equal(0n);
      expect(schedule).to.equal(0n);
    },
  },
];

const ROWS = new Map(TABLE.map((row) => [row.name, row]));

/** The names of RxTrace's state-changing functions, from its ABI. */
function stateChangingFunctions(fragments: readonly { type: string }[]): string[] {
  return fragments
    .filter((f): f is FunctionFragment => FunctionFragment.isFragment(f) && f.type === "function")
    .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
    .map((f) => f.name)
    .sort();
}

/** "called by the pharmacy", or for a signed row "signed by the pharmacy (submitted by a stranger)". */
function actingAs(row: Row, who: ActorKey): string {
  return row.actor === "signer" ? `signed by ${ACTOR_INFO[who].label} (submitted by a stranger)` : `called by ${ACTOR_INFO[who].label}`;
}

function actorsOf(row: Row): ActorKey[] {
  return [...BASE_ACTORS, ...row.standIns.flatMap((role) => [suspendedOf(role), expiredOf(role)])];
}

// ---------------------------------------------------------------------------------------------------------
// Running a row
// ---------------------------------------------------------------------------------------------------------

/** Runs the row's setup and pins the time of the next block (the call's), returned as `at`. */
async function prepare(ctx: Ctx, row: Row): Promise<number> {
  if (row.setup) await row.setup(ctx);
  const at = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(at);
  return at;
}

async function expectAllowed(ctx: Ctx, row: Row, who: ActorKey, at: number): Promise<void> {
  const events = await row.emits(ctx, who, at);
  const observed = row.observe ? await row.observe(ctx, who) : [];
  const tx = await row.call(ctx, who);
  if (row.actor === "signer") expect(tx.from, "the submitter of a signed call").to.equal(ctx.stranger.address);
  for (const e of events) await expect(tx).to.emit(ctx.suite, e.name).withArgs(...e.args);
  await row.after(ctx, who, at, observed);
}

async function expectRefused(ctx: Ctx, row: Row, who: ActorKey): Promise<void> {
  const { name, args } = row.refusal(ctx, who);
  await expect(row.call(ctx, who))
    .to.be.revertedWithCustomError(ctx.suite, name)
    .withArgs(...args);
}

// ---------------------------------------------------------------------------------------------------------
// 1. The role matrix
// ---------------------------------------------------------------------------------------------------------

describe("RxTrace: access matrix", function () {
  for (const row of TABLE) {
    describe(row.name, function () {
      for (const who of actorsOf(row)) {
        describe(`when ${actingAs(row, who)}`, function () {
          if (row.allowed.includes(who)) {
            it("emits its event and changes the state", async function () {
              const ctx = await loadFixture(matrixFixture);
              const at = await prepare(ctx, row);
              await expectAllowed(ctx, row, who, at);
            });
          } else {
            it("reverts with the access error", async function () {
              const ctx = await loadFixture(matrixFixture);
              await prepare(ctx, row);
              await expectRefused(ctx, row, who);
            });
          }
        });
      }
    });
  }

  describe("the table itself", function () {
    it("lists every allowed actor among the actors it tries", function () {
      for (const row of TABLE) {
        const actors = actorsOf(row);
        for (const who of row.allowed) expect(actors, row.name).to.include(who);
      }
    });
  });

  // Authorization is the first check: an authorized partner that lacks what the call needs meets the next one.
  describe("ship", function () {
    describe("when an authorized manufacturer holds none of the batch", function () {
      it("reverts with CustodyInsufficientSaleable", async function () {
        const { rx, batchId, otherManufacturer, distributor } = await loadFixture(matrixFixture);
        await expect(rx.connect(otherManufacturer).ship(batchId, distributor.address, 1n))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, otherManufacturer.address, 0n, 1n);
      });
    });
    describe("when an authorized sender ships to a stranger", function () {
      it("reverts with PartnerNotAuthorized for the receiver", async function () {
        const { rx, batchId, manufacturer, stranger } = await loadFixture(matrixFixture);
        await expect(rx.connect(manufacturer).ship(batchId, stranger.address, 1n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(stranger.address, Standing.Unknown);
      });
    });
  });

  describe("sealCase", function () {
    describe("when an authorized partner holds none of the batch", function () {
      it("reverts with CustodyInsufficientSaleable (under a prefix of its own)", async function () {
        const { rx, batchId, pharmacy2 } = await loadFixture(matrixFixture);
        await rx.assignCompanyPrefix(pharmacy2.address, "0860002");
        const sscc = makeSscc("10860002000000001");
        await expect(rx.connect(pharmacy2).sealCase(sscc, batchId, CASE.contents, CASE.packs))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy2.address, 0n, CASE.packs);
      });
    });

    describe("when an authorized partner owns no prefix the SSCC carries", function () {
      it("reverts with CaseSsccNotOwned", async function () {
        const { rx, batchId, pharmacy2 } = await loadFixture(matrixFixture);
        await expect(rx.connect(pharmacy2).sealCase(CASE_SSCC, batchId, CASE.contents, CASE.packs))
          .to.be.revertedWithCustomError(rx, "CaseSsccNotOwned")
          .withArgs(CASE_SSCC, pharmacy2.address);
      });
    });
  });

  describe("shipSigned", function () {
    describe("when a suspended partner submits the manufacturer's signature", function () {
      it("ships for the signer: only the signer's standing counts", async function () {
        const ctx = await loadFixture(matrixFixture);
        const s = shipmentFor(ctx, "manufacturer");
        const fields = { sender: ctx.manufacturer.address, batchId: s.batchId, receiver: s.receiver, quantity: 1n, manifest: MANIFEST };
        const auth = await authorizationBy(ctx, "manufacturer", TYPES.Ship, fields);
        const [shipped] = await shippedWithManifest(ctx, "manufacturer");
        await expect(
          ctx.rx.connect(ctx.accounts.suspendedDistributor).shipSigned(ctx.manufacturer.address, s.batchId, s.receiver, 1n, MANIFEST, auth),
        )
          .to.emit(ctx.rx, "Shipped")
          .withArgs(...shipped.args);
      });
    });
  });

  describe("handover", function () {
    describe("when the co-signing receiver is suspended", function () {
      it("reverts with PartnerNotAuthorized for the receiver", async function () {
        const ctx = await loadFixture(matrixFixture);
        const receiver = ctx.accounts.suspendedDistributor;
        const h = { ...(await handoverFor(ctx, "manufacturer")), receiver: receiver.address };
        const bySender = await signedBy(ctx, "manufacturer", TYPES.Handover, h);
        const byReceiver = await signedBy(ctx, "suspendedDistributor", TYPES.Handover, h);
        await expect(submitter(ctx).handover(h, await chainIdOf(), bySender, byReceiver))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerNotAuthorized")
          .withArgs(receiver.address, Standing.Suspended);
      });
    });
    describe("when a stranger co-signs as the receiver", function () {
      it("reverts with PartnerNotAuthorized for the stranger", async function () {
        const ctx = await loadFixture(matrixFixture);
        const h = { ...(await handoverFor(ctx, "manufacturer")), receiver: ctx.stranger.address };
        const bySender = await signedBy(ctx, "manufacturer", TYPES.Handover, h);
        const byReceiver = await signedBy(ctx, "stranger", TYPES.Handover, h);
        await expect(submitter(ctx).handover(h, await chainIdOf(), bySender, byReceiver))
          .to.be.revertedWithCustomError(ctx.rx, "PartnerNotAuthorized")
          .withArgs(ctx.stranger.address, Standing.Unknown);
      });
    });
  });

  describe("dispense", function () {
    describe("when an authorized dispenser holds none of the batch", function () {
      it("reverts with CustodyInsufficientSaleable", async function () {
        const { rx, batchId, pharmacy2, tree, toPharmacy } = await loadFixture(matrixFixture);
        await expect(rx.connect(pharmacy2).dispense(batchId, serialToBytes32(SERIALS[0]), tree.proof(SERIALS[0]), claimOf(toPharmacy, SERIALS[0])))
          .to.be.revertedWithCustomError(rx, "CustodyInsufficientSaleable")
          .withArgs(batchId, pharmacy2.address, 0n, 1n);
      });
    });
  });

  describe("recall", function () {
    describe("when the other manufacturer recalls a batch it did not commission", function () {
      it("reverts with PartnerWrongRole (it would need to be a regulator)", async function () {
        const { rx, batchId, otherManufacturer } = await loadFixture(matrixFixture);
        await expect(rx.connect(otherManufacturer).recall(batchId, 1, RECALL_HASH, RECALL_URI))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(otherManufacturer.address, Role.Manufacturer, Role.Regulator);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 2. The pause
// ---------------------------------------------------------------------------------------------------------

/** Applies the pause behaviour of `row` to its entry point, with its first allowed actor. */
function behavesAsPausable(row: Row & { whilePaused: "reverts" | "works" }): void {
  const who = row.allowed[0];
  describe(row.name, function () {
    async function pausedContext(): Promise<{ ctx: Ctx; at: number }> {
      const ctx = await loadFixture(matrixFixture);
      if (row.setup) await row.setup(ctx);
      if (!(await ctx.rx.paused())) await ctx.rx.connect(ctx.pauser).pause();
      const at = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(at);
      return { ctx, at };
    }

    if (row.whilePaused === "reverts") {
      describe(`when paused and ${actingAs(row, who)}`, function () {
        it("reverts with EnforcedPause", async function () {
          const { ctx } = await pausedContext();
          await expect(row.call(ctx, who)).to.be.revertedWithCustomError(ctx.rx, "EnforcedPause").withArgs();
        });
      });
      describe("when paused, then unpaused", function () {
        it("works again", async function () {
          const ctx = await loadFixture(matrixFixture);
          await ctx.rx.connect(ctx.pauser).pause();
          await ctx.rx.connect(ctx.pauser).unpause();
          const at = await prepare(ctx, row);
          await expectAllowed(ctx, row, who, at);
        });
      });
    } else {
      describe(`when paused and ${actingAs(row, who)}`, function () {
        it("keeps working: it only restricts", async function () {
          const { ctx, at } = await pausedContext();
          await expectAllowed(ctx, row, who, at);
        });
      });
    }
  });
}

describe("RxTrace: pause", function () {
  const FROZEN = [
    "onboardPartner",
    "assignCompanyPrefix",
    "renewLicence",
    "reinstatePartner",
    "commissionBatch",
    "ship",
    "shipPacks",
    "receiveShipment",
    "rejectShipment",
    "cancelShipment",
    "sealCase",
    "openCase",
    "shipSigned",
    "receiveSigned",
    "rejectSigned",
    "handover",
    "clearSuspect",
    "releaseQuarantine",
    "releaseLeg",
    "dispense",
    "multicall",
    // The sender's cancel (the row's actor); the receiver's revocation works while paused (AttacksFresh test).
    "cancelHandover",
    "reverseIllegitimate",
    "reverseRecall",
    "condemnStock",
    "transferCompanyPrefix",
    "supersedeBatch",
    "proposeCorrection",
    "approveCorrection",
  ];
  const RESTRICTIVE = [
    "suspendPartner",
    "recall",
    "flagSuspect",
    "confirmSuspect",
    "declareIllegitimate",
    "condemnQuarantine",
    "revokeSignatures",
    "revokeCompanyPrefix",
    "unpause",
  ];

  describe("the table", function () {
    it("freezes exactly the functions that move product or widen rights", function () {
      const frozen = TABLE.filter((r) => r.whilePaused === "reverts").map((r) => r.name);
      expect([...frozen].sort()).to.deep.equal([...FROZEN].sort());
    });
    it("keeps exactly the restrictive functions and unpause working", function () {
      const working = TABLE.filter((r) => r.whilePaused === "works").map((r) => r.name);
      expect([...working].sort()).to.deep.equal([...RESTRICTIVE].sort());
    });
  });

  for (const row of TABLE) {
    const { whilePaused } = row;
    if (whilePaused !== undefined) behavesAsPausable({ ...row, whilePaused });
  }

  describe("pause", function () {
    describe("when already paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser } = await loadFixture(matrixFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(pauser).pause()).to.be.revertedWithCustomError(rx, "EnforcedPause").withArgs();
      });
    });
  });

  describe("unpause", function () {
    describe("when not paused", function () {
      it("reverts with ExpectedPause", async function () {
        const { rx, pauser } = await loadFixture(matrixFixture);
        await expect(rx.connect(pauser).unpause()).to.be.revertedWithCustomError(rx, "ExpectedPause").withArgs();
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 3. The stranger sweep
// ---------------------------------------------------------------------------------------------------------

describe("RxTrace: a stranger cannot change anything", function () {
  const abiFunctions = stateChangingFunctions([
    ...RxTrace__factory.createInterface().fragments,
    ...IGovernance__factory.createInterface().fragments,
    ...ICorrections__factory.createInterface().fragments,
  ]);

  it("has a row in the access table for every state-changing function of the ABI, and no other", async function () {
    const { rx } = await loadFixture(matrixFixture);
    const gov = IGovernance__factory.connect(await rx.getAddress());
    const corr = ICorrections__factory.connect(await rx.getAddress());
    expect(stateChangingFunctions([...rx.interface.fragments, ...gov.interface.fragments, ...corr.interface.fragments])).to.deep.equal([...ROWS.keys()].sort());
  });

  for (const name of abiFunctions) {
    describe(name, function () {
      describe(ROWS.get(name)?.actor === "signer" ? "when signed by a stranger" : "when called by a stranger", function () {
        it("reverts with the function's access error", async function () {
          const row = ROWS.get(name);
          expect(row, `no row for ${name} in the access table`).to.not.equal(undefined);
          if (row === undefined) return;
          expect(row.allowed).to.not.include("stranger");
          const ctx = await loadFixture(matrixFixture);
          await prepare(ctx, row);
          await expectRefused(ctx, row, "stranger");
        });
      });
    });
  }
});
