import { expect } from "chai";
import { ethers } from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { TemperatureLegStruct } from "../typechain-types/contracts/RxTrace";
import { RecallClass, RejectionReason, Role, ShipmentStatus, Standing } from "../src/domain/enums";
import { shipmentIdOf, type ShipmentKey } from "../src/domain/ids";
import { CERTIFICATE_URI } from "../src/scenario/scenario";
import { calldataGas } from "../src/bench/gas";
import {
  legFields,
  nextNonceOf,
  partiesOf,
  PRIMARY_TYPES,
  readDomain,
  recoverSigner as libRecoverSigner,
  signAuthorization as libSignAuthorization,
  SIGNED_KINDS,
  SIGNED_TYPES,
  signatureBytes,
  signOperation as libSignOperation,
  typeStringOf,
  type Party,
  type SignedKind,
  type SignedOperation,
  type SigningDomain,
} from "../src/signing/typed-data";
import { sendSigned as libSendSigned, type SignedDocument } from "../src/signing/document";
import {
  batchFixture,
  COMMISSIONED,
  DAY,
  GOOD_LEG,
  holdingRecord,
  NO_STOCK,
  REJECT_TYPES,
  shipFrom,
  shippedFixture,
  WARM_LEG,
} from "./fixtures";

const HOUR = 3600;
const MANIFEST = ethers.id("manifest: Merkle root of the packs handed over");
const EVIDENCE = ethers.id("photo of the crushed case");
/** A co-signed handover with a temperature summary must fit this (issue 4; bench's `cosignedHandover`). */
const HANDOVER_GAS_BUDGET = 80_000n;
/** A stock slot written for the first time costs 20,000 gas instead of 2,900 (EIP-2200 / EIP-2929). */
const NEW_SLOT_SURCHARGE = 20_000n - 2_900n;
/** Half the order of secp256k1. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const SETTLED = { status: BigInt(ShipmentStatus.None), isReturn: false, shippedAt: 0n };

/** A TemperatureLeg as an event argument: its fields in declaration order. */
function legArgs(leg: TemperatureLegStruct): unknown[] {
  return [leg.minTemp, leg.maxTemp, leg.meanKineticTemp, leg.minutesOutOfRange, leg.loggerHash];
}

/*
 * Issue 11 signs the leg's temperature summary in `Reject` (REJECT_TYPES); scripts/lib/signing.ts adopts it in the
 * command-layer phase. Until then these wrappers sign, recover and submit a rejection with the new type and hand
 * every other kind to the library unchanged.
 */
type Compact = Awaited<ReturnType<typeof libSignOperation>>;
const typesOf = (op: SignedOperation) => (op.kind === "reject" ? REJECT_TYPES : SIGNED_TYPES[op.kind]);
async function signOperation(signer: HardhatEthersSigner, domain: SigningDomain, op: SignedOperation): Promise<Compact> {
  if (op.kind !== "reject") return libSignOperation(signer, domain, op);
  const signature = ethers.Signature.from(await signer.signTypedData(domain, typesOf(op), op.message));
  return { r: signature.r, vs: signature.yParityAndS };
}
function recoverSigner(domain: SigningDomain, op: SignedOperation, sig: Compact): string {
  if (op.kind !== "reject") return libRecoverSigner(domain, op, sig);
  const s = BigInt(sig.vs) & ((1n << 255n) - 1n);
  if (BigInt(sig.r) === 0n || s === 0n || s > HALF_ORDER) return ethers.ZeroAddress;
  try {
    return ethers.recoverAddress(ethers.TypedDataEncoder.hash(domain, typesOf(op), op.message), { r: sig.r, yParityAndS: sig.vs });
  } catch {
    return ethers.ZeroAddress;
  }
}
async function signAuthorization(signer: HardhatEthersSigner, domain: SigningDomain, op: Exclude<SignedOperation, { kind: "handover" }>) {
  if (op.kind !== "reject") return libSignAuthorization(signer, domain, op);
  const sig = await signOperation(signer, domain, op);
  return { nonce: op.message.nonce, deadline: op.message.deadline, chainId: domain.chainId, signature: signatureBytes(sig) };
}
function sendSigned(rx: Context["rx"], doc: SignedDocument): Promise<ContractTransactionResponse> {
  if (doc.kind !== "reject") return libSendSigned(rx, doc);
  const m = doc.message as SignedDocument["message"] & { shipment: ShipmentKey; reason: bigint; evidence: string; leg: TemperatureLegStruct; nonce: bigint; deadline: bigint };
  const sig = doc.signatures.find((x) => x.party === "receiver") ?? doc.signatures[0];
  const auth = { nonce: m.nonce, deadline: m.deadline, chainId: doc.domain.chainId, signature: signatureBytes(sig) };
  return rx.rejectSigned(m.shipment, m.reason, m.evidence, m.leg, auth);
}

/** The type strings the contract hashes, read from its source: `_NAME_TYPEHASH = keccak256("…" "…")`. */
function contractTypeStrings(): Record<string, string> {
  const source = readFileSync(path.join(__dirname, "..", "contracts", "modules", "SignedHandovers.sol"), "utf8");
  const found: Record<string, string> = {};
  for (const m of source.matchAll(/_([A-Z]+)_TYPEHASH\s*=\s*keccak256\(([\s\S]*?)\);/g)) {
    found[m[1]] = [...m[2].matchAll(/"([^"]*)"/g)].map((s) => s[1]).join("");
  }
  return found;
}

type BatchContext = Awaited<ReturnType<typeof batchFixture>>;
type Context = BatchContext & { domain: SigningDomain; shipment: ShipmentKey; shipmentId: string };

/**
 * 60 of the manufacturer's 100 units in transit to the distributor (shippedFixture), and the contract's domain.
 * Nobody signed yet: every signature nonce is 0; the manufacturer's shipment count of the batch (a handover's
 * nonce) is 1.
 */
async function signingFixture(): Promise<Context> {
  const base = await loadFixture(shippedFixture);
  return { ...base, domain: await readDomain(base.rx) };
}

/** As signingFixture, with the distributor holding the 60 units (received on a good leg). */
async function heldFixture(): Promise<Context> {
  const base = await loadFixture(signingFixture);
  await base.rx.connect(base.distributor).receiveShipment(base.shipment, GOOD_LEG);
  return base;
}

async function deadlineIn(seconds: number): Promise<bigint> {
  return BigInt((await time.latest()) + seconds);
}

/** Each entry point, with an operation that succeeds in its fixture. */
interface EntryPoint {
  name: "shipSigned" | "receiveSigned" | "rejectSigned" | "handover";
  kind: SignedKind;
  fixture: () => Promise<Context>;
  operation: (f: Context, nonce: bigint, deadline: bigint) => SignedOperation;
  /** Field changes made after signing, each of which the signature must catch. */
  tamperings: { field: string; tamper: (op: SignedOperation, f: Context) => SignedOperation }[];
}

function shipOf(f: Context, nonce: bigint, deadline: bigint): SignedOperation {
  return {
    kind: "ship",
    message: { sender: f.manufacturer.address, batchId: f.batchId, receiver: f.distributor.address, quantity: 10n, manifest: ethers.ZeroHash, nonce, deadline },
  };
}

function receiveOf(f: Context, nonce: bigint, deadline: bigint, leg: TemperatureLegStruct = GOOD_LEG): SignedOperation {
  return { kind: "receive", message: { shipment: f.shipment, leg: legFields(leg), nonce, deadline } };
}

function rejectOf(f: Context, nonce: bigint, deadline: bigint): SignedOperation {
  return {
    kind: "reject",
    message: { shipment: f.shipment, reason: BigInt(RejectionReason.Damaged), evidence: EVIDENCE, leg: legFields(GOOD_LEG), nonce, deadline },
  } as SignedOperation;
}

function handoverOf(
  f: Context,
  nonce: bigint,
  deadline: bigint,
  over: { sender?: HardhatEthersSigner; receiver?: HardhatEthersSigner; quantity?: bigint; leg?: TemperatureLegStruct; manifest?: string } = {},
): SignedOperation {
  return {
    kind: "handover",
    message: {
      batchId: f.batchId,
      sender: (over.sender ?? f.manufacturer).address,
      receiver: (over.receiver ?? f.distributor2).address,
      quantity: over.quantity ?? 10n,
      manifest: over.manifest ?? MANIFEST,
      leg: legFields((over.leg ?? GOOD_LEG)),
      nonce,
      deadline,
    },
  };
}

/** `op` with its message changed by `change` (a shallow copy: nested objects are replaced, never mutated). */
function changed(op: SignedOperation, change: Record<string, unknown>): SignedOperation {
  return { ...op, message: { ...op.message, ...change } } as SignedOperation;
}

/** `op` claimed to be signed by `account`: the party whose nonce it uses (and which the contract checks first) becomes `account`. */
function claimedBy(op: SignedOperation, account: string): SignedOperation {
  switch (op.kind) {
    case "ship":
    case "handover":
      return changed(op, { sender: account });
    case "receive":
    case "reject":
      return changed(op, { shipment: { ...op.message.shipment, receiver: account } });
  }
}

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: "shipSigned",
    kind: "ship",
    fixture: signingFixture,
    operation: shipOf,
    tamperings: [
      { field: "quantity", tamper: (op) => changed(op, { quantity: 11n }) },
      { field: "receiver", tamper: (op, f) => changed(op, { receiver: f.distributor2.address }) },
      { field: "manifest", tamper: (op) => changed(op, { manifest: MANIFEST }) },
      { field: "deadline", tamper: (op) => changed(op, { deadline: op.message.deadline + BigInt(DAY) }) },
    ],
  },
  {
    name: "receiveSigned",
    kind: "receive",
    fixture: signingFixture,
    operation: (f, nonce, deadline) => receiveOf(f, nonce, deadline),
    tamperings: [
      { field: "leg.minutesOutOfRange", tamper: (op) => op.kind === "receive" ? changed(op, { leg: { ...op.message.leg, minutesOutOfRange: 95n } }) : op },
      { field: "leg.loggerHash", tamper: (op) => op.kind === "receive" ? changed(op, { leg: { ...op.message.leg, loggerHash: ethers.id("another logger file") } }) : op },
      { field: "nonce", tamper: (op) => changed(op, { nonce: op.message.nonce + 1n }) },
      { field: "shipment.quantity", tamper: (op) => op.kind === "receive" ? changed(op, { shipment: { ...op.message.shipment, quantity: 59n } }) : op },
    ],
  },
  {
    name: "rejectSigned",
    kind: "reject",
    fixture: signingFixture,
    operation: rejectOf,
    tamperings: [
      { field: "reason", tamper: (op) => changed(op, { reason: BigInt(RejectionReason.WrongProduct) }) },
      { field: "evidence", tamper: (op) => changed(op, { evidence: ethers.id("another photo") }) },
      { field: "shipment.receiver", tamper: (op, f) => op.kind === "reject" ? changed(op, { shipment: { ...op.message.shipment, receiver: f.distributor2.address } }) : op },
    ],
  },
  {
    name: "handover",
    kind: "handover",
    fixture: heldFixture,
    operation: (f, nonce, deadline) => handoverOf(f, nonce, deadline, { sender: f.distributor, receiver: f.pharmacy }),
    tamperings: [
      { field: "quantity", tamper: (op) => changed(op, { quantity: 11n }) },
      { field: "receiver", tamper: (op, f) => changed(op, { receiver: f.pharmacy2.address }) },
      { field: "leg.maxTemp", tamper: (op) => op.kind === "handover" ? changed(op, { leg: { ...op.message.leg, maxTemp: 61n } }) : op },
      { field: "manifest", tamper: (op) => changed(op, { manifest: ethers.ZeroHash }) },
    ],
  },
];

function signerOf(f: Context, account: string): HardhatEthersSigner {
  const all = [f.manufacturer, f.otherManufacturer, f.distributor, f.distributor2, f.pharmacy, f.pharmacy2, f.regulator, f.stranger];
  const found = all.find((s) => s.address === account);
  if (!found) throw new Error(`no signer for ${account}`);
  return found;
}

/** Every party of `op` signs it under `domain` (or the signer `by` gives for a party). */
async function signAll(
  f: Context,
  op: SignedOperation,
  options: { domain?: SigningDomain; by?: Partial<Record<Party, HardhatEthersSigner>> } = {},
): Promise<SignedDocument> {
  const domain = options.domain ?? f.domain;
  const signatures = [];
  for (const { party, account } of partiesOf(op)) {
    const signer = options.by?.[party] ?? signerOf(f, account);
    signatures.push({ party, signer: account, ...(await signOperation(signer, domain, op)) });
  }
  return { ...op, domain, signatures } as SignedDocument;
}

/** A stranger, who is no partner, submits `doc`: anyone may. */
function submit(f: Context, doc: SignedDocument): Promise<ContractTransactionResponse> {
  return sendSigned(f.rx.connect(f.stranger), doc);
}

/** The account whose nonce `op` uses and which the contract checks first. */
function firstSigner(op: SignedOperation): string {
  return partiesOf(op)[0].account;
}

describe("RxTrace: SignedHandovers", function () {
  describe("EIP-712 domain", function () {
    it("names rxtrace version 1 on this chain and contract (ERC-5267 fields 0x0f)", async function () {
      const { rx } = await loadFixture(batchFixture);
      const d = await rx.eip712Domain();
      expect([d.fields, d.name, d.version, d.chainId, d.verifyingContract, d.salt, [...d.extensions]]).to.deep.equal([
        "0x0f",
        "rxtrace",
        "1",
        31337n,
        await rx.getAddress(),
        ethers.ZeroHash,
        [],
      ]);
    });
  });

  describe("typed data (src/signing)", function () {
    const source = contractTypeStrings();
    for (const kind of SIGNED_KINDS) {
      it(`encodes ${PRIMARY_TYPES[kind]} exactly as the contract's type string`, function () {
        // Reject: the tests' REJECT_TYPES until scripts/lib/signing.ts learns the leg.
        const encoded = kind === "reject" ? ethers.TypedDataEncoder.from(REJECT_TYPES).encodeType("Reject") : typeStringOf(kind);
        expect(encoded).to.equal(source[PRIMARY_TYPES[kind].toUpperCase()]);
      });
    }

    it("encodes Shipment and TemperatureLeg exactly as the contract's type strings", function () {
      const encoder = ethers.TypedDataEncoder.from(SIGNED_TYPES.receive);
      expect([encoder.encodeType("Shipment"), encoder.encodeType("TemperatureLeg")]).to.deep.equal([source.SHIPMENT, source.LEG]);
    });
  });

  describe("shipSigned", function () {
    describe("when the manufacturer signed a shipment and a stranger submits it", function () {
      async function shipSignedFixture() {
        const base = await loadFixture(signingFixture);
        const op = shipOf(base, 0n, await deadlineIn(HOUR));
        const doc = await signAll(base, op);
        const key: ShipmentKey = { batchId: base.batchId, sender: base.manufacturer.address, receiver: base.distributor.address, quantity: 10n, nonce: 1n };
        const auth = op.kind === "ship" ? await signAuthorization(base.manufacturer, base.domain, op) : undefined;
        const returned = await base.rx.connect(base.stranger).shipSigned.staticCall(key.sender, key.batchId, key.receiver, key.quantity, ethers.ZeroHash, auth!);
        const tx = await submit(base, doc);
        return { ...base, doc, key, signedId: shipmentIdOf(key), returned, tx };
      }

      it("emits Shipped for the signer, with the sender's next shipment nonce", async function () {
        const { rx, tx, signedId, batchId, manufacturer, distributor } = await loadFixture(shipSignedFixture);
        await expect(tx).to.emit(rx, "Shipped").withArgs(signedId, batchId, manufacturer.address, distributor.address, 10n, 1n, false);
      });

      it("returns the shipment id", async function () {
        const { returned, signedId } = await loadFixture(shipSignedFixture);
        expect(returned).to.equal(signedId);
      });

      it("emits no ManifestCommitted without a manifest", async function () {
        const { rx, tx } = await loadFixture(shipSignedFixture);
        await expect(tx).to.not.emit(rx, "ManifestCommitted");
      });

      it("takes the units out of the signer's stock, not the submitter's", async function () {
        const { rx, batchId, manufacturer } = await loadFixture(shipSignedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 70n, shipments: 2n });
      });

      it("stores the shipment as in transit", async function () {
        const { rx, signedId } = await loadFixture(shipSignedFixture);
        expect((await rx.shipment(signedId)).status).to.equal(BigInt(ShipmentStatus.InTransit));
      });

      it("moves the signer's signature nonce from 0 to 1", async function () {
        const { rx, manufacturer } = await loadFixture(shipSignedFixture);
        expect((await rx.partner(manufacturer.address)).nonce).to.equal(1n);
      });
    });

    describe("when the signed shipment carries a manifest", function () {
      it("emits ManifestCommitted with the shipment id, right after Shipped", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, changed(shipOf(f, 0n, await deadlineIn(HOUR)), { manifest: MANIFEST }));
        const receipt = await (await submit(f, doc)).wait();
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.manufacturer.address, receiver: f.distributor.address, quantity: 10n, nonce: 1n });
        const events = receipt!.logs.map((log) => f.rx.interface.parseLog(log)).map((e) => [e?.name, ...(e?.name === "ManifestCommitted" ? e.args : [])]);
        expect(events).to.deep.equal([["SignatureNonceUsed"], ["Shipped"], ["ManifestCommitted", id, f.batchId, MANIFEST]]);
      });

      it("emits SignatureNonceUsed with the signer and the nonce, so indexers rebuild nonces from logs", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, shipOf(f, 0n, await deadlineIn(HOUR)));
        await expect(submit(f, doc)).to.emit(f.rx, "SignatureNonceUsed").withArgs(f.manufacturer.address, 0n);
      });
    });
  });

  describe("receiveSigned", function () {
    describe("when the receiver signed its receipt on a good leg", function () {
      async function receiveSignedFixture() {
        const base = await loadFixture(signingFixture);
        const tx = await submit(base, await signAll(base, receiveOf(base, 0n, await deadlineIn(HOUR))));
        return { ...base, tx };
      }

      it("emits Received for the receiver, with the leg and no excursion", async function () {
        const { rx, tx, shipmentId, batchId, distributor, manufacturer } = await loadFixture(receiveSignedFixture);
        await expect(tx).to.emit(rx, "Received").withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, legArgs(GOOD_LEG), false);
      });

      it("credits the receiver's saleable stock and deletes the shipment", async function () {
        const { rx, batchId, distributor, shipmentId } = await loadFixture(receiveSignedFixture);
        expect(holdingRecord(await rx.holding(batchId, distributor.address))).to.deep.equal({ ...NO_STOCK, saleable: 60n });
        expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.None));
      });

      it("moves the receiver's signature nonce, not the sender's", async function () {
        const { rx, distributor, manufacturer } = await loadFixture(receiveSignedFixture);
        expect([(await rx.partner(distributor.address)).nonce, (await rx.partner(manufacturer.address)).nonce]).to.deep.equal([1n, 0n]);
      });
    });

    describe("when the signed leg had an excursion", function () {
      it("emits Received with the excursion and quarantines the units", async function () {
        const f = await loadFixture(signingFixture);
        const tx = await submit(f, await signAll(f, receiveOf(f, 0n, await deadlineIn(HOUR), WARM_LEG)));
        await expect(tx).to.emit(f.rx, "Received").withArgs(f.shipmentId, f.batchId, f.distributor.address, f.manufacturer.address, 60n, legArgs(WARM_LEG), true);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.distributor.address))).to.deep.equal({ ...NO_STOCK, quarantined: 60n });
      });
    });

    describe("when the signed leg was below freezing (negative temperatures)", function () {
      it("recovers the receiver and quarantines the units", async function () {
        const f = await loadFixture(signingFixture);
        const frozen = { minTemp: -35, maxTemp: 41, meanKineticTemp: -2, minutesOutOfRange: 120, loggerHash: ethers.id("frozen leg") };
        const tx = await submit(f, await signAll(f, receiveOf(f, 0n, await deadlineIn(HOUR), frozen)));
        await expect(tx).to.emit(f.rx, "Received").withArgs(f.shipmentId, f.batchId, f.distributor.address, f.manufacturer.address, 60n, legArgs(frozen), true);
      });
    });

    describe("when the receiver signed a shipment that is not in transit", function () {
      it("reverts with CustodyShipmentNotInTransit", async function () {
        const f = await loadFixture(signingFixture);
        const other: ShipmentKey = { ...f.shipment, quantity: 59n };
        const op: SignedOperation = { kind: "receive", message: { shipment: other, leg: legFields(GOOD_LEG), nonce: 0n, deadline: await deadlineIn(HOUR) } };
        await expect(submit(f, await signAll(f, op)))
          .to.be.revertedWithCustomError(f.rx, "CustodyShipmentNotInTransit")
          .withArgs(shipmentIdOf(other));
      });
    });

    describe("when the signed leg summary is inconsistent", function () {
      it("reverts with CustodyInvalidTemperatureLeg", async function () {
        const f = await loadFixture(signingFixture);
        const bad = { ...GOOD_LEG, minTemp: 40, maxTemp: 60, meanKineticTemp: 39 };
        await expect(submit(f, await signAll(f, receiveOf(f, 0n, await deadlineIn(HOUR), bad))))
          .to.be.revertedWithCustomError(f.rx, "CustodyInvalidTemperatureLeg")
          .withArgs(40, 39, 60);
      });
    });
  });

  describe("rejectSigned", function () {
    describe("when the receiver signed a rejection", function () {
      async function rejectSignedFixture() {
        const base = await loadFixture(signingFixture);
        const tx = await submit(base, await signAll(base, rejectOf(base, 0n, await deadlineIn(HOUR))));
        return { ...base, tx };
      }

      it("emits Rejected by the receiver with the reason and evidence", async function () {
        const { rx, tx, shipmentId, batchId, distributor, manufacturer } = await loadFixture(rejectSignedFixture);
        await expect(tx).to.emit(rx, "Rejected").withArgs(shipmentId, batchId, distributor.address, manufacturer.address, 60n, RejectionReason.Damaged, EVIDENCE, legArgs(GOOD_LEG), true);
      });

      it("returns the (damaged) units to the sender's quarantine and deletes the shipment", async function () {
        const { rx, batchId, manufacturer, shipmentId } = await loadFixture(rejectSignedFixture);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 60n, quarantined: 60n, shipments: 1n });
        expect((await rx.shipment(shipmentId)).status).to.equal(BigInt(ShipmentStatus.None));
      });

      it("moves the receiver's signature nonce", async function () {
        const { rx, distributor } = await loadFixture(rejectSignedFixture);
        expect((await rx.partner(distributor.address)).nonce).to.equal(1n);
      });
    });

    describe("when the receiver's Receive signature is submitted as a rejection", function () {
      it("reverts with SignatureInvalidSigner: the signature is bound to its kind", async function () {
        const f = await loadFixture(signingFixture);
        const receipt = await signAll(f, receiveOf(f, 0n, await deadlineIn(HOUR)));
        const reject = rejectOf(f, 0n, receipt.message.deadline);
        const doc = { ...reject, domain: f.domain, signatures: receipt.signatures } as SignedDocument;
        await expect(submit(f, doc))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor.address, recoverSigner(f.domain, reject, receipt.signatures[0]));
      });
    });
  });

  describe("handover", function () {
    describe("when the manufacturer hands units straight to a distributor that held none", function () {
      async function handoverFixture() {
        const base = await loadFixture(signingFixture);
        const doc = await signAll(base, handoverOf(base, 1n, await deadlineIn(HOUR)));
        const returned = await base.rx.connect(base.stranger).handover.staticCall(
          doc.message as Parameters<typeof base.rx.handover.staticCall>[0],
          31337n,
          signatureBytes(doc.signatures[0]),
          signatureBytes(doc.signatures[1]),
        );
        const tx = await submit(base, doc);
        const key: ShipmentKey = { batchId: base.batchId, sender: base.manufacturer.address, receiver: base.distributor2.address, quantity: 10n, nonce: 1n };
        return { ...base, doc, tx, returned, handoverId: shipmentIdOf(key) };
      }

      it("emits HandedOver with the id, parties, quantity, the sender's shipment nonce, manifest and leg", async function () {
        const { rx, tx, handoverId, batchId, manufacturer, distributor2 } = await loadFixture(handoverFixture);
        await expect(tx)
          .to.emit(rx, "HandedOver")
          .withArgs(handoverId, batchId, manufacturer.address, distributor2.address, 10n, 1n, MANIFEST, legArgs(GOOD_LEG), false, 1n);
      });

      it("returns the handover id, the id a shipment with these fields has", async function () {
        const { returned, handoverId } = await loadFixture(handoverFixture);
        expect(returned).to.equal(handoverId);
      });

      it("moves the units from the sender's saleable stock to the receiver's and counts a shipment", async function () {
        const { rx, batchId, manufacturer, distributor2 } = await loadFixture(handoverFixture);
        expect([holdingRecord(await rx.holding(batchId, manufacturer.address)), holdingRecord(await rx.holding(batchId, distributor2.address))]).to.deep.equal([
          { ...NO_STOCK, saleable: COMMISSIONED - 70n, shipments: 2n },
          { ...NO_STOCK, saleable: 10n },
        ]);
      });

      it("leaves nothing in transit", async function () {
        const { rx, handoverId } = await loadFixture(handoverFixture);
        const r = await rx.shipment(handoverId);
        expect({ status: r.status, isReturn: r.isReturn, shippedAt: r.shippedAt }).to.deep.equal(SETTLED);
      });

      it("emits neither Shipped nor Received", async function () {
        const { rx, tx } = await loadFixture(handoverFixture);
        await expect(tx).to.not.emit(rx, "Shipped");
        await expect(tx).to.not.emit(rx, "Received");
      });

      it("uses the sender's shipment count as its nonce and leaves the signature nonces alone", async function () {
        const { rx, manufacturer, distributor2 } = await loadFixture(handoverFixture);
        expect([(await rx.partner(manufacturer.address)).nonce, (await rx.partner(distributor2.address)).nonce]).to.deep.equal([0n, 0n]);
      });

      it("gives the sender's next shipment the next shipment nonce", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(handoverFixture);
        const next = await shipFrom(rx, manufacturer, batchId, distributor.address, 1n);
        expect(next.shipment.nonce).to.equal(2n);
      });
    });

    describe("when the sender shipped the batch after signing", function () {
      it("still hands over: an attacker sender cannot void a co-signed handover by shipping 1 unit first", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)));
        await f.rx.connect(f.manufacturer).ship(f.batchId, f.distributor.address, 1n);
        // The handover counts as the sender's shipment 2: the id a shipment with that nonce has.
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.manufacturer.address, receiver: f.distributor2.address, quantity: 10n, nonce: 2n });
        await expect(submit(f, doc))
          .to.emit(f.rx, "HandedOver")
          .withArgs(id, f.batchId, f.manufacturer.address, f.distributor2.address, 10n, 2n, MANIFEST, legArgs(GOOD_LEG), false, 1n);
      });
    });

    describe("when two handovers of one lot were signed in parallel (or a pre-signed route had a refused stop)", function () {
      it("submits both, in any order", async function () {
        const f = await loadFixture(signingFixture);
        const first = await signAll(f, handoverOf(f, 7n, await deadlineIn(HOUR)));
        const second = await signAll(f, handoverOf(f, 3n, await deadlineIn(HOUR), { quantity: 5n }));
        await expect(submit(f, second)).to.emit(f.rx, "HandedOver");
        await expect(submit(f, first)).to.emit(f.rx, "HandedOver");
        expect((await f.rx.holding(f.batchId, f.distributor2.address)).saleable).to.equal(15n);
      });
    });

    describe("when the deadline is further ahead than MAX_HANDOVER_VALIDITY", function () {
      it("reverts with SignatureDeadlineTooFar(deadline, latest)", async function () {
        const f = await loadFixture(signingFixture);
        const deadline = await deadlineIn(31 * DAY);
        const doc = await signAll(f, handoverOf(f, 1n, deadline));
        const at = (await time.latest()) + 1;
        await time.setNextBlockTimestamp(at);
        await expect(submit(f, doc))
          .to.be.revertedWithCustomError(f.rx, "SignatureDeadlineTooFar")
          .withArgs(deadline, BigInt(at + 30 * DAY));
      });
    });

    describe("when the handover was cancelled", function () {
      for (const party of ["sender", "receiver"] as const) {
        it(`reverts with SignatureHandoverUsed once the ${party} cancelled it (HandoverCancelled)`, async function () {
          const f = await loadFixture(signingFixture);
          const op = handoverOf(f, 1n, await deadlineIn(2 * 24 * HOUR));
          const doc = await signAll(f, op);
          const bySender = doc.signatures.find((x) => x.party === "sender")!;
          const by = party === "sender" ? f.manufacturer : f.distributor2;
          const digest = ethers.TypedDataEncoder.hash(f.domain, SIGNED_TYPES.handover, op.message);
          if (party === "sender") {
            // The sender's cancel is asked first and completed HANDOVER_CANCEL_DELAY (1 day) later.
            await f.rx.connect(by).cancelHandover(op.message as Parameters<typeof f.rx.cancelHandover>[0], signatureBytes(bySender));
            await time.increase(24 * HOUR);
          }
          await expect(f.rx.connect(by).cancelHandover(op.message as Parameters<typeof f.rx.cancelHandover>[0], signatureBytes(bySender)))
            .to.emit(f.rx, "HandoverCancelled")
            .withArgs(digest, f.manufacturer.address, f.distributor2.address, 1n, by.address);
          expect(await f.rx.isHandoverNonceUsed(f.manufacturer.address, 1n)).to.equal(true);
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureHandoverUsed")
            .withArgs(f.manufacturer.address, 1n);
        });
      }

      it("an attacker receiver cannot cancel the sender's other handovers: SignatureInvalidSigner without the sender's signature", async function () {
        const f = await loadFixture(signingFixture);
        // A handover to someone else, nonce 1; the attacker forges one naming itself with that nonce.
        const forged = handoverOf(f, 1n, await deadlineIn(HOUR), { receiver: f.distributor });
        const bySelf = await signOperation(f.distributor, f.domain, forged);
        await expect(f.rx.connect(f.distributor).cancelHandover(forged.message as Parameters<typeof f.rx.cancelHandover>[0], signatureBytes(bySelf)))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.manufacturer.address, f.distributor.address);
        expect(await f.rx.isHandoverNonceUsed(f.manufacturer.address, 1n)).to.equal(false);
      });

      it("reverts with SignatureNotHandoverParty for a partner that is neither the sender nor the receiver", async function () {
        const f = await loadFixture(signingFixture);
        const op = handoverOf(f, 1n, await deadlineIn(HOUR));
        const digest = ethers.TypedDataEncoder.hash(f.domain, SIGNED_TYPES.handover, op.message);
        const doc = await signAll(f, op);
        await expect(f.rx.connect(f.pharmacy).cancelHandover(op.message as Parameters<typeof f.rx.cancelHandover>[0], signatureBytes(doc.signatures[0])))
          .to.be.revertedWithCustomError(f.rx, "SignatureNotHandoverParty")
          .withArgs(digest, f.pharmacy.address);
      });

      it("reverts with PartnerUnknown for a stranger", async function () {
        const f = await loadFixture(signingFixture);
        const op = handoverOf(f, 1n, await deadlineIn(HOUR));
        const doc = await signAll(f, op);
        await expect(f.rx.connect(f.stranger).cancelHandover(op.message as Parameters<typeof f.rx.cancelHandover>[0], signatureBytes(doc.signatures[0])))
          .to.be.revertedWithCustomError(f.rx, "PartnerUnknown")
          .withArgs(f.stranger.address);
      });
    });

    describe("when the leg had an excursion", function () {
      it("emits HandedOver with the excursion and quarantines the units", async function () {
        const f = await loadFixture(signingFixture);
        const tx = await submit(f, await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR), { leg: WARM_LEG })));
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.manufacturer.address, receiver: f.distributor2.address, quantity: 10n, nonce: 1n });
        await expect(tx)
          .to.emit(f.rx, "HandedOver")
          .withArgs(id, f.batchId, f.manufacturer.address, f.distributor2.address, 10n, 1n, MANIFEST, legArgs(WARM_LEG), true, 1n);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.distributor2.address))).to.deep.equal({ ...NO_STOCK, quarantined: 10n });
      });
    });

    describe("when a distributor hands units back to the manufacturer (a return)", function () {
      it("moves the units upstream, also while the batch is recalled", async function () {
        const f = await loadFixture(heldFixture);
        await f.rx.connect(f.manufacturer).recall(f.batchId, RecallClass.I, EVIDENCE, CERTIFICATE_URI);
        const op = handoverOf(f, 0n, await deadlineIn(HOUR), { sender: f.distributor, receiver: f.manufacturer, quantity: 60n, manifest: ethers.ZeroHash });
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.distributor.address, receiver: f.manufacturer.address, quantity: 60n, nonce: 0n });
        await expect(submit(f, await signAll(f, op)))
          .to.emit(f.rx, "HandedOver")
          .withArgs(id, f.batchId, f.distributor.address, f.manufacturer.address, 60n, 0n, ethers.ZeroHash, legArgs(GOOD_LEG), false, 0n);
        expect(holdingRecord(await f.rx.holding(f.batchId, f.manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED, shipments: 1n });
      });
    });

    describe("when the batch is recalled", function () {
      it("reverts a forward handover with BatchUnderRecall", async function () {
        const f = await loadFixture(signingFixture);
        await f.rx.connect(f.manufacturer).recall(f.batchId, RecallClass.II, EVIDENCE, CERTIFICATE_URI);
        await expect(submit(f, await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)))))
          .to.be.revertedWithCustomError(f.rx, "BatchUnderRecall")
          .withArgs(f.batchId, RecallClass.II);
      });
    });

    describe("gas", function () {
      /** Gas of a co-signed handover of 10 units from the manufacturer to distributor2, with a manifest and a leg. */
      /** Whole-transaction gas, and the execution part (without the calldata, whose signature bytes vary). */
      async function handoverGas(f: Context): Promise<{ total: bigint; execution: bigint }> {
        const nonce = (await f.rx.holding(f.batchId, f.manufacturer.address)).shipments;
        const tx = await submit(f, await signAll(f, handoverOf(f, nonce, await deadlineIn(HOUR))));
        const receipt = await tx.wait();
        return { total: receipt!.gasUsed, execution: receipt!.gasUsed - BigInt(calldataGas(tx.data)) };
      }

      async function gasFixture() {
        const base = await loadFixture(signingFixture);
        // The sender's first handover nonce in a word of 256 writes that word for the first time (20,000 gas, as any
        // new slot): the sender cancels nonce 255 beforehand, so both measurements use a word already written.
        const unused = handoverOf(base, 255n, await deadlineIn(HOUR));
        const bySender = (await signAll(base, unused)).signatures.find((x) => x.party === "sender")!;
        await base.rx.connect(base.distributor2).cancelHandover(unused.message as Parameters<typeof base.rx.cancelHandover>[0], signatureBytes(bySender));
        const newHolder = await handoverGas(base);
        const holder = await handoverGas(base);
        return { ...base, toNewHolder: newHolder.execution, toHolder: holder.total, holderExecution: holder.execution };
      }

      it(`costs at most ${HANDOVER_GAS_BUDGET.toLocaleString("en-US")} gas into a holder's stock, with a temperature summary`, async function () {
        const { toHolder, rx, batchId, distributor2 } = await loadFixture(gasFixture);
        expect((await rx.holding(batchId, distributor2.address)).saleable).to.equal(20n);
        expect(toHolder).to.be.at.most(HANDOVER_GAS_BUDGET);
      });

      it("costs a new holder exactly its new stock slot more (20,000 instead of 2,900 gas)", async function () {
        const { toNewHolder, holderExecution } = await loadFixture(gasFixture);
        expect(toNewHolder - holderExecution).to.equal(NEW_SLOT_SURCHARGE);
      });
    });

    describe("when the receiver's signature is missing", function () {
      it("reverts with SignatureInvalidSigner(receiver, zero address)", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)));
        const missing = { ...doc, signatures: [doc.signatures[0], { ...doc.signatures[1], r: ethers.ZeroHash, vs: ethers.ZeroHash }] };
        await expect(submit(f, missing))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor2.address, ethers.ZeroAddress);
      });
    });

    describe("when the receiver is the zero address and its signature is missing", function () {
      it("reverts with SignatureInvalidSigner(zero address, zero address), though the sender signed", async function () {
        const f = await loadFixture(signingFixture);
        const op = changed(handoverOf(f, 1n, await deadlineIn(HOUR)), { receiver: ethers.ZeroAddress });
        const bySender = { party: "sender" as const, signer: f.manufacturer.address, ...(await signOperation(f.manufacturer, f.domain, op)) };
        const doc = { ...op, domain: f.domain, signatures: [bySender, { party: "receiver" as const, signer: ethers.ZeroAddress, r: ethers.ZeroHash, vs: ethers.ZeroHash }] } as SignedDocument;
        expect(recoverSigner(f.domain, doc, bySender)).to.equal(f.manufacturer.address);
        await expect(submit(f, doc))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(ethers.ZeroAddress, ethers.ZeroAddress);
      });
    });

    describe("when the sender's signature is offered as the receiver's", function () {
      it("reverts with SignatureInvalidSigner(receiver, sender)", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)));
        const twice = { ...doc, signatures: [doc.signatures[0], { ...doc.signatures[0], party: "receiver" as const }] };
        await expect(submit(f, twice))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor2.address, f.manufacturer.address);
      });
    });

    describe("when the receiver signed another quantity than the sender", function () {
      it("reverts with SignatureInvalidSigner(receiver, what the receiver's signature recovers to)", async function () {
        const f = await loadFixture(signingFixture);
        const op = handoverOf(f, 1n, await deadlineIn(HOUR));
        const bySender = await signAll(f, op);
        const byReceiver = await signAll(f, changed(op, { quantity: 9n }));
        const doc = { ...bySender, signatures: [bySender.signatures[0], byReceiver.signatures[1]] };
        await expect(submit(f, doc))
          .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
          .withArgs(f.distributor2.address, recoverSigner(f.domain, op, byReceiver.signatures[1]));
      });
    });

    describe("when the receiver is suspended", function () {
      it("reverts with PartnerNotAuthorized for the receiver", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)));
        await f.rx.suspendPartner(f.distributor2.address, EVIDENCE);
        await expect(submit(f, doc))
          .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
          .withArgs(f.distributor2.address, Standing.Suspended);
      });
    });
  });

  describe("custody rules on signed operations", function () {
    it("refuses a signed shipment beyond the sender's saleable stock (CustodyInsufficientSaleable)", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, changed(shipOf(f, 0n, await deadlineIn(HOUR)), { quantity: 41n }));
      await expect(submit(f, doc))
        .to.be.revertedWithCustomError(f.rx, "CustodyInsufficientSaleable")
        .withArgs(f.batchId, f.manufacturer.address, 40n, 41n);
    });

    it("refuses a signed shipment on a forbidden route (CustodyRouteNotPermitted)", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, changed(shipOf(f, 0n, await deadlineIn(HOUR)), { receiver: f.pharmacy.address }));
      await expect(submit(f, doc))
        .to.be.revertedWithCustomError(f.rx, "CustodyRouteNotPermitted")
        .withArgs(f.manufacturer.address, Role.Manufacturer, f.pharmacy.address, Role.Dispenser);
    });

    it("refuses a handover on a forbidden route (CustodyRouteNotPermitted)", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR), { receiver: f.pharmacy }));
      await expect(submit(f, doc))
        .to.be.revertedWithCustomError(f.rx, "CustodyRouteNotPermitted")
        .withArgs(f.manufacturer.address, Role.Manufacturer, f.pharmacy.address, Role.Dispenser);
    });

    it("refuses a handover beyond the sender's saleable stock (CustodyInsufficientSaleable)", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR), { quantity: 41n }));
      await expect(submit(f, doc))
        .to.be.revertedWithCustomError(f.rx, "CustodyInsufficientSaleable")
        .withArgs(f.batchId, f.manufacturer.address, 40n, 41n);
    });

    it("refuses a handover of zero units (BatchInvalidQuantity)", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR), { quantity: 0n }));
      await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "BatchInvalidQuantity").withArgs(0n);
    });

    it("refuses a handover with an inconsistent leg summary (CustodyInvalidTemperatureLeg)", async function () {
      const f = await loadFixture(signingFixture);
      const bad = { ...GOOD_LEG, minTemp: 40, maxTemp: 60, meanKineticTemp: 61 };
      const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR), { leg: bad }));
      await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "CustodyInvalidTemperatureLeg").withArgs(40, 61, 60);
    });

    it("refuses a signed shipment by a stranger (PartnerNotAuthorized, Unknown)", async function () {
      const f = await loadFixture(signingFixture);
      const op = changed(shipOf(f, 0n, await deadlineIn(HOUR)), { sender: f.stranger.address });
      const doc = await signAll(f, op, { by: { sender: f.stranger } });
      await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized").withArgs(f.stranger.address, Standing.Unknown);
    });
  });

  describe("signature nonces", function () {
    it("go up by one per signed operation, in order", async function () {
      const f = await loadFixture(signingFixture);
      const deadline = await deadlineIn(HOUR);
      const first = await signAll(f, shipOf(f, 0n, deadline));
      const second = await signAll(f, changed(shipOf(f, 1n, deadline), { quantity: 5n }));
      await submit(f, first);
      expect((await f.rx.partner(f.manufacturer.address)).nonce).to.equal(1n);
      await submit(f, second);
      expect((await f.rx.partner(f.manufacturer.address)).nonce).to.equal(2n);
    });

    it("belong to each signer: the receiver's receipt does not move the sender's", async function () {
      const f = await loadFixture(signingFixture);
      await submit(f, await signAll(f, shipOf(f, 0n, await deadlineIn(HOUR))));
      await submit(f, await signAll(f, receiveOf(f, 0n, await deadlineIn(HOUR))));
      expect([(await f.rx.partner(f.manufacturer.address)).nonce, (await f.rx.partner(f.distributor.address)).nonce]).to.deep.equal([1n, 1n]);
    });

    it("are not touched by direct operations", async function () {
      const f = await loadFixture(signingFixture);
      await f.rx.connect(f.distributor).receiveShipment(f.shipment, GOOD_LEG);
      await f.rx.connect(f.manufacturer).ship(f.batchId, f.distributor.address, 1n);
      expect([(await f.rx.partner(f.manufacturer.address)).nonce, (await f.rx.partner(f.distributor.address)).nonce]).to.deep.equal([0n, 0n]);
    });

    it("are not used by a refused operation", async function () {
      const f = await loadFixture(signingFixture);
      const doc = await signAll(f, changed(shipOf(f, 0n, await deadlineIn(HOUR)), { quantity: 41n }));
      await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "CustodyInsufficientSaleable");
      expect((await f.rx.partner(f.manufacturer.address)).nonce).to.equal(0n);
    });
  });

  describe("revokeSignatures", function () {
    /**
     * The manufacturer signed a shipment with nonce 0 and one ahead with nonce 2, submitted neither, then revoked
     * every signature up to nonce 2: its next nonce is 3.
     */
    async function revokedFixture() {
      const base = await loadFixture(signingFixture);
      const deadline = await deadlineIn(DAY);
      const unsent = await signAll(base, shipOf(base, 0n, deadline));
      const ahead = await signAll(base, changed(shipOf(base, 2n, deadline), { quantity: 5n }));
      const tx = await base.rx.connect(base.manufacturer).revokeSignatures(3n);
      return { ...base, deadline, unsent, ahead, tx };
    }

    describe("when the manufacturer revokes up to nonce 2, having used none", function () {
      it("emits SignaturesRevoked(partner, 0, 3)", async function () {
        const { rx, tx, manufacturer } = await loadFixture(revokedFixture);
        await expect(tx).to.emit(rx, "SignaturesRevoked").withArgs(manufacturer.address, 0n, 3n);
      });

      it("moves its next signature nonce to 3", async function () {
        const { rx, manufacturer } = await loadFixture(revokedFixture);
        expect((await rx.partner(manufacturer.address)).nonce).to.equal(3n);
      });

      it("leaves the other partners' nonces, its stock and its shipment count alone", async function () {
        const { rx, batchId, manufacturer, distributor } = await loadFixture(revokedFixture);
        expect((await rx.partner(distributor.address)).nonce).to.equal(0n);
        expect(holdingRecord(await rx.holding(batchId, manufacturer.address))).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED - 60n, shipments: 1n });
      });

      it("makes the signature it handed out with nonce 0 fail with SignatureReplayed(signer, 0, 3)", async function () {
        const f = await loadFixture(revokedFixture);
        await expect(submit(f, f.unsent))
          .to.be.revertedWithCustomError(f.rx, "SignatureReplayed")
          .withArgs(f.manufacturer.address, 0n, 3n);
      });

      it("makes the one it signed ahead with nonce 2 fail with SignatureReplayed(signer, 2, 3)", async function () {
        const f = await loadFixture(revokedFixture);
        await expect(submit(f, f.ahead))
          .to.be.revertedWithCustomError(f.rx, "SignatureReplayed")
          .withArgs(f.manufacturer.address, 2n, 3n);
      });

      it("accepts a new signature with nonce 3, the next, and moves on to 4", async function () {
        const f = await loadFixture(revokedFixture);
        const doc = await signAll(f, shipOf(f, 3n, f.deadline));
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.manufacturer.address, receiver: f.distributor.address, quantity: 10n, nonce: 1n });
        await expect(submit(f, doc)).to.emit(f.rx, "Shipped").withArgs(id, f.batchId, f.manufacturer.address, f.distributor.address, 10n, 1n, false);
        expect((await f.rx.partner(f.manufacturer.address)).nonce).to.equal(4n);
      });
    });

    describe("when it revokes again", function () {
      it("emits SignaturesRevoked from its current nonce", async function () {
        const { rx, manufacturer } = await loadFixture(revokedFixture);
        await expect(rx.connect(manufacturer).revokeSignatures(10n)).to.emit(rx, "SignaturesRevoked").withArgs(manufacturer.address, 3n, 10n);
      });
    });

    describe("when the next nonce is not ahead of the current one", function () {
      it("reverts with SignatureRevokeNotAhead(partner, next, current) for the current nonce", async function () {
        const { rx, manufacturer } = await loadFixture(revokedFixture);
        await expect(rx.connect(manufacturer).revokeSignatures(3n))
          .to.be.revertedWithCustomError(rx, "SignatureRevokeNotAhead")
          .withArgs(manufacturer.address, 3n, 3n);
      });

      it("reverts with SignatureRevokeNotAhead(partner, next, current) for a lower nonce", async function () {
        const { rx, manufacturer } = await loadFixture(revokedFixture);
        await expect(rx.connect(manufacturer).revokeSignatures(2n))
          .to.be.revertedWithCustomError(rx, "SignatureRevokeNotAhead")
          .withArgs(manufacturer.address, 2n, 3n);
      });

      it("reverts with SignatureRevokeNotAhead(partner, 0, 0) for nonce 0 when nothing was signed", async function () {
        const { rx, distributor } = await loadFixture(signingFixture);
        await expect(rx.connect(distributor).revokeSignatures(0n))
          .to.be.revertedWithCustomError(rx, "SignatureRevokeNotAhead")
          .withArgs(distributor.address, 0n, 0n);
      });

      it("reverts with SignatureRevokeNotAhead for the largest nonce, which no signature could move past", async function () {
        const { rx, distributor } = await loadFixture(signingFixture);
        const largest = (1n << 64n) - 1n;
        await expect(rx.connect(distributor).revokeSignatures(largest))
          .to.be.revertedWithCustomError(rx, "SignatureRevokeNotAhead")
          .withArgs(distributor.address, largest, 0n);
        await expect(rx.connect(distributor).revokeSignatures(largest - 1n))
          .to.emit(rx, "SignaturesRevoked")
          .withArgs(distributor.address, 0n, largest - 1n);
      });

      it("leaves the nonce where it was", async function () {
        const { rx, manufacturer } = await loadFixture(revokedFixture);
        await expect(rx.connect(manufacturer).revokeSignatures(2n)).to.be.revertedWithCustomError(rx, "SignatureRevokeNotAhead");
        expect((await rx.partner(manufacturer.address)).nonce).to.equal(3n);
      });
    });

    describe("when a stranger calls it", function () {
      it("reverts with PartnerUnknown(stranger)", async function () {
        const { rx, stranger } = await loadFixture(signingFixture);
        await expect(rx.connect(stranger).revokeSignatures(1n)).to.be.revertedWithCustomError(rx, "PartnerUnknown").withArgs(stranger.address);
      });
    });

    describe("when the partner is suspended (its device was lost, say)", function () {
      async function suspendedRevokedFixture() {
        const base = await loadFixture(signingFixture);
        const unsent = await signAll(base, shipOf(base, 0n, await deadlineIn(DAY)));
        await base.rx.suspendPartner(base.manufacturer.address, EVIDENCE);
        const tx = await base.rx.connect(base.manufacturer).revokeSignatures(1n);
        return { ...base, unsent, tx };
      }

      it("still revokes: it only takes rights away", async function () {
        const { rx, tx, manufacturer } = await loadFixture(suspendedRevokedFixture);
        await expect(tx).to.emit(rx, "SignaturesRevoked").withArgs(manufacturer.address, 0n, 1n);
        expect((await rx.partner(manufacturer.address)).nonce).to.equal(1n);
      });

      it("keeps the revoked signature dead once the partner is reinstated", async function () {
        const f = await loadFixture(suspendedRevokedFixture);
        await f.rx.reinstatePartner(f.manufacturer.address);
        await expect(submit(f, f.unsent))
          .to.be.revertedWithCustomError(f.rx, "SignatureReplayed")
          .withArgs(f.manufacturer.address, 0n, 1n);
      });
    });

    describe("when the partner's licence expired", function () {
      it("still revokes", async function () {
        const { rx, manufacturer, licenceExpiry } = await loadFixture(signingFixture);
        await time.increaseTo(licenceExpiry + 1);
        expect(await rx.standing(manufacturer.address)).to.equal(Standing.LicenceExpired);
        await expect(rx.connect(manufacturer).revokeSignatures(1n)).to.emit(rx, "SignaturesRevoked").withArgs(manufacturer.address, 0n, 1n);
      });
    });

    describe("when the suite is paused", function () {
      it("still revokes", async function () {
        const { rx, pauser, distributor } = await loadFixture(signingFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(distributor).revokeSignatures(5n)).to.emit(rx, "SignaturesRevoked").withArgs(distributor.address, 0n, 5n);
        expect((await rx.partner(distributor.address)).nonce).to.equal(5n);
      });
    });

    describe("when both parties of a co-signed handover revoke their signatures", function () {
      it("leaves the handover valid: its nonce is a handover nonce, not a signature nonce", async function () {
        const f = await loadFixture(signingFixture);
        const doc = await signAll(f, handoverOf(f, 1n, await deadlineIn(HOUR)));
        await f.rx.connect(f.manufacturer).revokeSignatures(7n);
        await f.rx.connect(f.distributor2).revokeSignatures(7n);
        const id = shipmentIdOf({ batchId: f.batchId, sender: f.manufacturer.address, receiver: f.distributor2.address, quantity: 10n, nonce: 1n });
        await expect(submit(f, doc))
          .to.emit(f.rx, "HandedOver")
          .withArgs(id, f.batchId, f.manufacturer.address, f.distributor2.address, 10n, 1n, MANIFEST, legArgs(GOOD_LEG), false, 1n);
      });
    });
  });

  // Every refusal of the signature envelope, written once and applied to each entry point.
  for (const entry of ENTRY_POINTS) {
    describe(`${entry.name}: refusals`, function () {
      describe("when the same signature is submitted twice", function () {
        const error = entry.kind === "handover" ? "SignatureHandoverUsed(sender, nonce)" : "SignatureReplayed(signer, nonce, next)";
        it(`reverts with ${error}`, async function () {
          const f = await loadFixture(entry.fixture);
          const doc = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
          await submit(f, doc);
          const expected = expect(submit(f, doc));
          if (entry.kind === "handover") {
            await expected.to.be.revertedWithCustomError(f.rx, "SignatureHandoverUsed").withArgs(firstSigner(doc), 0n);
          } else {
            await expected.to.be.revertedWithCustomError(f.rx, "SignatureReplayed").withArgs(firstSigner(doc), 0n, 1n);
          }
        });
      });

      if (entry.kind !== "handover") {
        describe("when the nonce is ahead of the signer's next nonce", function () {
          it("reverts with SignatureNonceTooHigh(signer, nonce, next)", async function () {
            const f = await loadFixture(entry.fixture);
            const doc = await signAll(f, entry.operation(f, 1n, await deadlineIn(HOUR)));
            await expect(submit(f, doc))
              .to.be.revertedWithCustomError(f.rx, "SignatureNonceTooHigh")
              .withArgs(firstSigner(doc), 1n, 0n);
          });
        });
      }

      describe("when the deadline passed", function () {
        it("reverts with SignatureExpired(deadline, now)", async function () {
          const f = await loadFixture(entry.fixture);
          const deadline = await deadlineIn(HOUR);
          const doc = await signAll(f, entry.operation(f, 0n, deadline));
          await time.setNextBlockTimestamp(deadline + 1n);
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureExpired")
            .withArgs(deadline, deadline + 1n);
        });

        it("still accepts it at the deadline second itself", async function () {
          const f = await loadFixture(entry.fixture);
          const deadline = await deadlineIn(HOUR);
          const doc = await signAll(f, entry.operation(f, 0n, deadline));
          await time.setNextBlockTimestamp(deadline);
          await submit(f, doc);
          expect(await nextNonceOf(f.rx, doc)).to.equal(1n);
        });
      });

      describe("when it was signed for another chain", function () {
        it("reverts with SignatureWrongChain(137, 31337)", async function () {
          const f = await loadFixture(entry.fixture);
          const polygon = { ...f.domain, chainId: 137n };
          const doc = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)), { domain: polygon });
          await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "SignatureWrongChain").withArgs(137n, 31337n);
        });

        it("reverts with SignatureInvalidSigner when submitted as if for this chain", async function () {
          const f = await loadFixture(entry.fixture);
          const polygon = { ...f.domain, chainId: 137n };
          const signed = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)), { domain: polygon });
          const doc = { ...signed, domain: f.domain };
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
            .withArgs(firstSigner(doc), recoverSigner(f.domain, doc, signed.signatures[0]));
        });
      });

      describe("when it was signed for another contract", function () {
        it("reverts with SignatureInvalidSigner", async function () {
          const f = await loadFixture(entry.fixture);
          const elsewhere = { ...f.domain, verifyingContract: f.stranger.address };
          const signed = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)), { domain: elsewhere });
          const doc = { ...signed, domain: f.domain };
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
            .withArgs(firstSigner(doc), recoverSigner(f.domain, doc, signed.signatures[0]));
        });
      });

      for (const { field, tamper } of entry.tamperings) {
        describe(`when the ${field} was changed after signing`, function () {
          it("reverts with SignatureInvalidSigner(signer, the address the signature now recovers to)", async function () {
            const f = await loadFixture(entry.fixture);
            const signed = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
            const tampered = { ...signed, ...tamper(signed, f) } as SignedDocument;
            const recovered = recoverSigner(f.domain, tampered, signed.signatures[0]);
            expect(recovered).to.not.equal(firstSigner(tampered));
            await expect(submit(f, tampered))
              .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
              .withArgs(firstSigner(tampered), recovered);
          });
        });
      }

      describe("when another partner signed", function () {
        it("reverts with SignatureInvalidSigner(signer, the other partner)", async function () {
          const f = await loadFixture(entry.fixture);
          const op = entry.operation(f, 0n, await deadlineIn(HOUR));
          const party = partiesOf(op)[0].party;
          const doc = await signAll(f, op, { by: party === "sender" ? { sender: f.regulator } : { receiver: f.regulator } });
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
            .withArgs(firstSigner(op), f.regulator.address);
        });
      });

      const MALFORMED: { what: string; spoil: (sig: { r: string; vs: string }) => { r: string; vs: string } }[] = [
        { what: "r is zero", spoil: (sig) => ({ ...sig, r: ethers.ZeroHash }) },
        {
          what: "s is in the upper half of the curve order (malleable)",
          // Half the curve order plus one: the smallest s that OpenZeppelin's ECDSA refuses.
          spoil: (sig) => ({ ...sig, vs: ethers.toBeHex((BigInt(sig.vs) & (1n << 255n)) | (HALF_ORDER + 1n), 32) }),
        },
      ];
      for (const { what, spoil } of MALFORMED) {
        describe(`when the signature is malformed: ${what}`, function () {
          it("reverts with SignatureInvalidSigner(signer, zero address)", async function () {
            const f = await loadFixture(entry.fixture);
            const signed = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
            const doc = { ...signed, signatures: [{ ...signed.signatures[0], ...spoil(signed.signatures[0]) }, ...signed.signatures.slice(1)] };
            expect(recoverSigner(f.domain, doc, doc.signatures[0])).to.equal(ethers.ZeroAddress);
            await expect(submit(f, doc))
              .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
              .withArgs(firstSigner(doc), ethers.ZeroAddress);
          });
        });
      }

      describe("when the signer was suspended after signing", function () {
        it("reverts with PartnerNotAuthorized(signer, Suspended)", async function () {
          const f = await loadFixture(entry.fixture);
          const doc = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
          await f.rx.suspendPartner(firstSigner(doc), EVIDENCE);
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
            .withArgs(firstSigner(doc), Standing.Suspended);
        });
      });

      describe("when the signer's licence expired after signing", function () {
        it("reverts with PartnerNotAuthorized(signer, LicenceExpired)", async function () {
          const f = await loadFixture(entry.fixture);
          const doc = await signAll(f, entry.operation(f, 0n, BigInt(f.licenceExpiry + DAY)));
          await time.increaseTo(f.licenceExpiry + 1);
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
            .withArgs(firstSigner(doc), Standing.LicenceExpired);
        });
      });

      if (entry.kind !== "handover") {
        describe("when the signer revoked its signatures after signing", function () {
          it("reverts with SignatureReplayed(signer, nonce, the revoked-to next nonce)", async function () {
            const f = await loadFixture(entry.fixture);
            const doc = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
            await f.rx.connect(signerOf(f, firstSigner(doc))).revokeSignatures(1n);
            await expect(submit(f, doc))
              .to.be.revertedWithCustomError(f.rx, "SignatureReplayed")
              .withArgs(firstSigner(doc), 0n, 1n);
          });
        });
      }

      describe("when the claimed signer is the zero address and the signature is malformed", function () {
        it("reverts with SignatureInvalidSigner(zero address, zero address): zero is nobody's signature", async function () {
          const f = await loadFixture(entry.fixture);
          const op = claimedBy(entry.operation(f, 0n, await deadlineIn(HOUR)), ethers.ZeroAddress);
          const signatures = partiesOf(op).map(({ party, account }) => ({ party, signer: account, r: ethers.ZeroHash, vs: ethers.ZeroHash }));
          const doc = { ...op, domain: f.domain, signatures } as SignedDocument;
          expect(recoverSigner(f.domain, doc, signatures[0])).to.equal(ethers.ZeroAddress);
          await expect(submit(f, doc))
            .to.be.revertedWithCustomError(f.rx, "SignatureInvalidSigner")
            .withArgs(ethers.ZeroAddress, ethers.ZeroAddress);
        });
      });

      describe("when the suite is paused", function () {
        it("reverts with EnforcedPause", async function () {
          const f = await loadFixture(entry.fixture);
          const doc = await signAll(f, entry.operation(f, 0n, await deadlineIn(HOUR)));
          await f.rx.connect(f.pauser).pause();
          await expect(submit(f, doc)).to.be.revertedWithCustomError(f.rx, "EnforcedPause").withArgs();
        });
      });
    });
  }
});
