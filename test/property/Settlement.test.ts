/**
 * Property test of the settlement: random orders of every call on three invoices (binding, receipts within range
 * and warm, rejections, cancellations, a recall, the clock passing deadlines and the cancel delay, settling and
 * claims by either side, twice or out of turn), on the in-process network from a clean fixture. After every step,
 * checked against the chain:
 *   - money is conserved: the settlement's token balance = escrowed - paid - refunded, and the sum of what each
 *     invoice still holds (its amount less the shares claimed) equals it;
 *   - an outcome, once fixed, never changes; the seller is paid only for a leg received within range, and the
 *     outcome is the one a small model of the leg's history predicts at the moment it was fixed;
 *   - a claim succeeds exactly when the model says something is due to that side and not yet claimed, so each
 *     share leaves once.
 * FUZZ_RUNS (default 25) sequences of up to FUZZ_STEPS (default 30) steps; FUZZ_SEED replays one.
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { InvoiceOutcome } from "../../src/domain/invoice";
import { RecallClass } from "../../src/domain/enums";
import { DAY, GOOD_LEG, SERIALS, shipPacksFrom, WARM_LEG, type PackLeg } from "../fixtures";
import { createFrom, settlementFixture, termsOf } from "../settlement-fixtures";
import { envInt, fuzzSeed } from "./env";

const RUNS = envInt("FUZZ_RUNS", 25);
const STEPS = envInt("FUZZ_STEPS", 30);
const SEED = fuzzSeed();
const QUANTITY = 5n;
const PRICE = 1_000_000n;
const AMOUNT = QUANTITY * PRICE;
const INVOICES = 3;

/** Invoices 0 and 1 have a pack leg in transit (5 packs each); invoice 2's seller never ships. */
async function propertyFixture() {
  const c = await loadFixture(settlementFixture);
  const ids: string[] = [];
  const legs: (PackLeg | undefined)[] = [];
  for (let i = 0; i < INVOICES; i++) {
    ids.push(await createFrom(c, c.pharmacy, await termsOf(c, `PROP-${i}`, { quantity: QUANTITY, pricePerUnit: PRICE })));
    legs.push(i < 2 ? await shipPacksFrom(c.rx, c.distributor, c.batchId, c.pharmacy.address, SERIALS.slice(i * 5, i * 5 + 5)) : undefined);
  }
  const deadline = Number((await c.settlement.invoice(ids[0])).deadline);
  return { ...c, ids, legs, deadline };
}

type Op =
  | { kind: "bind" | "receiveGood" | "receiveWarm" | "reject" | "cancel" | "settle"; invoice: number }
  | { kind: "claim"; invoice: number; side: "seller" | "buyer" }
  | { kind: "advance"; days: number }
  | { kind: "recall" };

const invoice = fc.integer({ min: 0, max: INVOICES - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("bind", "receiveGood", "receiveWarm", "reject", "cancel", "settle" as const), invoice }) as fc.Arbitrary<Op>,
  fc.record({ kind: fc.constant("claim" as const), invoice, side: fc.constantFrom("seller" as const, "buyer" as const) }),
  fc.record({ kind: fc.constant("advance" as const), days: fc.constantFrom(1, 8, 31) }),
  fc.record({ kind: fc.constant("recall" as const) }),
);

type LegState = "transit" | "received" | "quarantined" | "rejected" | "cancelled";

/** What the model knows of one invoice. */
interface InvoiceModel {
  bound: boolean;
  leg: LegState | undefined;
  outcome?: InvoiceOutcome;
  claimed: { seller: boolean; buyer: boolean };
}

function predicted(m: InvoiceModel, recalled: boolean, pastDeadline: boolean): InvoiceOutcome {
  if (m.outcome !== undefined) return m.outcome;
  if (!m.bound) return pastDeadline ? InvoiceOutcome.Expired : InvoiceOutcome.Pending;
  switch (m.leg) {
    case "received": return InvoiceOutcome.Delivered;
    case "quarantined": return InvoiceOutcome.Quarantined;
    case "rejected": return InvoiceOutcome.Rejected;
    case "cancelled": return InvoiceOutcome.Cancelled;
    default: return recalled ? InvoiceOutcome.Recalled : InvoiceOutcome.Pending;
  }
}

async function succeeded(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch {
    return false;
  }
}

describe("RxSettlement property: money conserved, outcomes fixed once, whatever the order of calls", function () {
  it(`holds over ${RUNS} random sequences of up to ${STEPS} steps (seed ${SEED})`, async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: STEPS }), async (ops) => {
        const c = await loadFixture(propertyFixture);
        const settlementAddress = await c.settlement.getAddress();
        const models: InvoiceModel[] = c.legs.map((leg) => ({ bound: false, leg: leg ? "transit" : undefined, claimed: { seller: false, buyer: false } }));
        let recalled = false;
        let paidOut = 0n;
        for (const op of ops) {
          const now = async () => BigInt(await time.latest());
          if (op.kind === "advance") {
            await time.increase(op.days * DAY);
          } else if (op.kind === "recall") {
            if (!recalled && (await succeeded(c.rx.connect(c.manufacturer).recall(c.batchId, RecallClass.II, ethers.id("notice"), "https://example.org")))) recalled = true;
          } else {
            const m = models[op.invoice];
            const id = c.ids[op.invoice];
            const leg = c.legs[op.invoice];
            if (op.kind === "bind") {
              const ok = leg !== undefined && (await succeeded(c.settlement.connect(c.distributor).bindShipment(id, leg.shipment)));
              const expectOk = leg !== undefined && !m.bound && m.outcome === undefined && (await now()) + 1n <= BigInt(c.deadline) && m.leg !== "rejected";
              expect(ok, `bind ${op.invoice}`).to.equal(expectOk);
              if (ok) m.bound = true;
            } else if (op.kind === "receiveGood" || op.kind === "receiveWarm") {
              if (leg && (await succeeded(c.rx.connect(c.pharmacy).receiveShipment(leg.shipment, op.kind === "receiveGood" ? GOOD_LEG : WARM_LEG)))) {
                // A cancelled leg received late goes into quarantine (ReceiptQuarantined).
                m.leg = op.kind === "receiveGood" && m.leg === "transit" ? "received" : "quarantined";
              }
            } else if (op.kind === "reject") {
              if (leg && (await succeeded(c.rx.connect(c.pharmacy).rejectShipment(leg.shipment, 0, ethers.ZeroHash, GOOD_LEG)))) m.leg = "rejected";
            } else if (op.kind === "cancel") {
              if (leg && (await succeeded(c.rx.connect(c.distributor).cancelShipment(leg.shipment)))) m.leg = "cancelled";
            } else {
              // settle or claim: the model says what is due at the next block's time.
              const outcome = predicted(m, recalled, (await now()) + 1n > BigInt(c.deadline));
              const decided = outcome !== InvoiceOutcome.Pending;
              // A refused claim reverts as a whole: the outcome is fixed only by a call that succeeded.
              let fixed = false;
              if (op.kind === "settle") {
                fixed = await succeeded(c.settlement.connect(c.stranger).settle(id));
                expect(fixed, `settle ${op.invoice}`).to.equal(decided);
              } else if (op.kind === "claim") {
                const party = op.side === "seller" ? c.distributor : c.pharmacy;
                const due = op.side === "seller" ? outcome === InvoiceOutcome.Delivered : outcome !== InvoiceOutcome.Delivered;
                const expectOk = decided && due && !m.claimed[op.side];
                const before = await c.token.balanceOf(party.address);
                fixed = await succeeded(c.settlement.connect(party).claim(id, party.address));
                expect(fixed, `claim ${op.invoice} by ${op.side}`).to.equal(expectOk);
                if (expectOk) {
                  expect((await c.token.balanceOf(party.address)) - before).to.equal(AMOUNT);
                  m.claimed[op.side] = true;
                  paidOut += AMOUNT;
                }
              }
              if (fixed && m.outcome === undefined) m.outcome = outcome;
            }
          }
          // After every step: the chain agrees with the model, and the money adds up.
          let held = 0n;
          for (let i = 0; i < INVOICES; i++) {
            const stored = await c.settlement.invoice(c.ids[i]);
            const m = models[i];
            if (m.outcome !== undefined) {
              expect([stored.status, stored.outcome], `invoice ${i} fixed`).to.deep.equal([3n, BigInt(m.outcome)]);
              if (m.outcome === InvoiceOutcome.Delivered) expect(m.leg, `invoice ${i} paid only for a leg received within range`).to.equal("received");
            } else {
              expect(stored.status, `invoice ${i} open`).to.equal(m.bound ? 2n : 1n);
            }
            const paid = m.claimed.seller ? AMOUNT : 0n;
            const refunded = m.claimed.buyer ? AMOUNT : 0n;
            expect(BigInt(stored.claims), `invoice ${i} claims`).to.equal((m.claimed.seller ? 1n : 0n) | (m.claimed.buyer ? 2n : 0n));
            held += AMOUNT - paid - refunded;
          }
          const balance = await c.token.balanceOf(settlementAddress);
          expect(balance, "balance = held").to.equal(held);
          expect(balance, "escrowed = paid + refunded + held").to.equal(AMOUNT * BigInt(INVOICES) - paidOut);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true },
    );
  });
});
