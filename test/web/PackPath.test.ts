import { expect } from "chai";
import { lotLegsLabel, packPathOf, packPathSummary, splitPackPath, type PackPath } from "../../src/domain/pack-path";
import { type LegStatus, type PackCustody, type PackLeg, type PackReport, type PartnerInfo, type TimelineEntry } from "../../src/domain/provenance";
import { collapseLotLegs, formatReport } from "../../src/domain/report";

/**
 * The pack's own path apart from its lot's other legs (src/domain/pack-path.ts), and how rx:verify words it
 * (src/domain/report.ts); the page (web/src/render.ts) renders the same split. Timelines are written by hand,
 * one event per time unit, as src/chain/events/provenance.ts would read them.
 */

const partner = (name: string, n: number): PartnerInfo => ({ account: `0x${n.toString(16).padStart(40, "0")}`, name, gln: "", role: "Dispenser" });
const M = partner("Acme", 1);
const D = partner("Northline", 2);
const D2 = partner("Coastal", 3);
const P = partner("Main Street", 4);
const P2 = partner("St. Mary", 5);
const REGULATOR = partner("FDA", 6);
const COOL = { minTemp: 30, maxTemp: 60, meanKineticTemp: 45, minutesOutOfRange: 0, loggerHash: "0x" };
const WARM = { ...COOL, maxTemp: 120, minutesOutOfRange: 90 };

/** A timeline built event by event; times and blocks count up. */
class Lot {
  readonly timeline: TimelineEntry[] = [];
  constructor(by: PartnerInfo = M) {
    this.push({ kind: "commissioned", by, quantity: "100", expiry: 1_900_000_000, certificateHash: "0x", certificateURI: "ipfs://c", serialRoot: "0x" });
  }
  private push(e: Record<string, unknown>): this {
    const n = this.timeline.length;
    this.timeline.push({ time: 1_800_000_000 + n * 3600, block: n + 1, tx: `0xtx${n}`, ...e } as TimelineEntry);
    return this;
  }
  ship(id: string, from: PartnerInfo, to: PartnerInfo, quantity = 10, isReturn = false): this {
    return this.push({ kind: "shipped", shipmentId: id, from, to, quantity: String(quantity), isReturn });
  }
  receive(id: string, excursion = false): this {
    const start = this.start(id);
    return this.push({ kind: "received", shipmentId: id, from: start.from, by: start.to, quantity: start.quantity, leg: excursion ? WARM : COOL, excursion });
  }
  reject(id: string): this {
    const start = this.start(id);
    return this.push({ kind: "rejected", shipmentId: id, from: start.from, by: start.to, quantity: start.quantity, reason: "Damaged", evidence: "0x" });
  }
  cancel(id: string): this {
    const start = this.start(id);
    return this.push({ kind: "cancelled", shipmentId: id, from: start.from, to: start.to, quantity: start.quantity });
  }
  handOver(id: string, from: PartnerInfo, to: PartnerInfo, quantity = 2): this {
    return this.push({ kind: "handed-over", shipmentId: id, from, to, quantity: String(quantity), leg: COOL, excursion: false });
  }
  /** Ships and receives in one go. */
  leg(id: string, from: PartnerInfo, to: PartnerInfo, quantity = 10): this {
    return this.ship(id, from, to, quantity).receive(id);
  }
  recall(): this {
    return this.push({ kind: "recalled", by: M, recallClass: "II", reasonHash: "0x", reasonURI: "ipfs://recall" });
  }
  suspect(kind: "flagged-suspect" | "suspect-cleared" | "declared-illegitimate"): this {
    return this.push({ kind, by: REGULATOR, reason: "check" });
  }
  quarantine(kind: "quarantine-released" | "quarantine-condemned", holder: PartnerInfo): this {
    return this.push({ kind, holder, by: REGULATOR, quantity: "3" });
  }
  dispense(by: PartnerInfo): this {
    return this.push({ kind: "dispensed", by });
  }
  private start(id: string): Extract<TimelineEntry, { kind: "shipped" }> {
    const start = this.timeline.find((e) => e.kind === "shipped" && e.shipmentId === id);
    if (start?.kind !== "shipped") throw new Error(`no shipment ${id} yet`);
    return start;
  }
}

/** Shipment and handover ids of entries, each once, in order. */
const legIds = (entries: readonly TimelineEntry[]) => [...new Set(entries.flatMap((e) => ("shipmentId" in e ? [e.shipmentId] : [])))];
const kinds = (entries: readonly TimelineEntry[]) => entries.map((e) => e.kind);

/** What the manifests say of each leg (the fields splitPackPath reads). */
function custody(lot: Lot, statuses: Record<string, LegStatus>, holder?: PartnerInfo, inBatch = true): PackCustody {
  const legs = lot.timeline.flatMap((e) =>
    e.kind === "shipped" || e.kind === "handed-over"
      ? [{ shipmentId: e.shipmentId, kind: e.kind === "shipped" ? "shipment" : "handover", time: e.time, block: e.block, tx: e.tx, from: e.from, to: e.to, quantity: e.quantity, settlement: "received", status: statuses[e.shipmentId] ?? "batch-level", statusText: "" } as PackLeg]
      : [],
  );
  const path = legs.filter((l) => l.status === "proven").map((l) => ({ shipmentId: l.shipmentId, from: l.from, to: l.to, settlement: l.settlement, unprovenBefore: false }));
  return { inBatch, legs, origin: M, path, holder, inTransit: false, conflicts: [], manifests: { consulted: Object.keys(statuses).length, valid: Object.keys(statuses).length } };
}

/** Two paths out of the manufacturer: via Northline to Main Street, via Coastal to St. Mary. */
const twoPaths = () => new Lot().leg("MD", M, D).leg("DP", D, P, 4).leg("MD2", M, D2).leg("D2P2", D2, P2, 3);

describe("The pack's own path apart from its lot's other legs (src/domain/pack-path.ts)", function () {
  describe("splitPackPath", function () {
    describe("when the lot's legs are lot-level (no manifests)", function () {
      it("puts on the pack's path the legs that carried units to the pharmacy that dispensed it", function () {
        const split = splitPackPath(twoPaths().dispense(P).timeline);
        expect([legIds(split.ownPath), legIds(split.lotLegs)]).to.deep.equal([["MD", "DP"], ["MD2", "D2P2"]]);
      });

      it("walks back from the verifying holder when the pack was not dispensed", function () {
        const split = splitPackPath(twoPaths().timeline, { holder: P2 });
        expect([legIds(split.ownPath), legIds(split.lotLegs)]).to.deep.equal([["MD2", "D2P2"], ["MD", "DP"]]);
      });

      it("walks back from the dispenser, not the verifier, once the pack was dispensed", function () {
        const split = splitPackPath(twoPaths().dispense(P).timeline, { holder: P2 });
        expect([split.basis, split.towards, legIds(split.ownPath)]).to.deep.equal(["dispenser", P, ["MD", "DP"]]);
      });

      it("leaves out a leg that reached a holder on the way after that holder sent the pack on", function () {
        const timeline = new Lot().leg("MD-1", M, D).leg("DP", D, P).leg("MD-2", M, D).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["MD-1", "DP"]);
      });

      it("keeps every leg into the holder itself, whenever it arrived", function () {
        const timeline = new Lot().leg("MD", M, D).leg("DP-1", D, P, 2).leg("DP-2", D, P, 3).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["MD", "DP-1", "DP-2"]);
      });

      it("follows several holders back to the manufacturer, through a wholesaler's wholesaler", function () {
        const timeline = new Lot().leg("MD", M, D).leg("DD2", D, D2).leg("D2P", D2, P).leg("DP2", D, P2).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["MD", "DD2", "D2P"]);
      });

      it("counts a return: units sent back to the wholesaler before it shipped to the holder can be the pack", function () {
        const timeline = new Lot().leg("MD", M, D).leg("DP2", D, P2).ship("P2D", P2, D, 2, true).receive("P2D").leg("DP", D, P).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["MD", "DP2", "P2D", "DP"]);
      });

      it("leaves a rejected leg to the lot: it carried nothing to its receiver", function () {
        const timeline = new Lot().leg("MD", M, D).ship("DP-refused", D, P).reject("DP-refused").leg("DP", D, P).timeline;
        const split = splitPackPath(timeline, { holder: P });
        expect([legIds(split.ownPath), legIds(split.lotLegs)]).to.deep.equal([["MD", "DP"], ["DP-refused"]]);
      });

      it("leaves a cancelled leg to the lot", function () {
        const timeline = new Lot().leg("MD", M, D).ship("DP-late", D, P).cancel("DP-late").leg("DP", D, P).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).lotLegs)).to.deep.equal(["DP-late"]);
      });

      it("keeps a leg in transit to the holder itself", function () {
        const timeline = new Lot().leg("MD", M, D).ship("DP", D, P).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["MD", "DP"]);
      });

      it("leaves to the lot a leg still in transit to a holder on the way: those units were not shipped on", function () {
        const timeline = new Lot().leg("MD-1", M, D).ship("MD-2", M, D).leg("DP", D, P).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).lotLegs)).to.deep.equal(["MD-2"]);
      });

      it("takes a co-signed handover as arrived", function () {
        const timeline = new Lot().handOver("H1", M, D).handOver("H2", D, P).timeline;
        expect(legIds(splitPackPath(timeline, { holder: P }).ownPath)).to.deep.equal(["H1", "H2"]);
      });

      it("puts no leg on the pack's path without a dispenser, a holder or manifests, and says why", function () {
        const split = splitPackPath(twoPaths().timeline);
        expect([split.basis, legIds(split.ownPath), split.lotLegCount]).to.deep.equal(["none", [], 4]);
        expect(split.basisText).to.contain("without the verifying holder's GLN");
      });

      it("puts no leg on the path of a serial not in the batch, even with a holder", function () {
        const split = splitPackPath(twoPaths().timeline, { holder: P, serialInBatch: false });
        expect([split.basis, legIds(split.ownPath), split.lotLegCount]).to.deep.equal(["not-in-batch", [], 4]);
      });
    });

    describe("when manifests were consulted", function () {
      it("puts on the path the legs whose manifests list the pack, and leaves to the lot a leg toward the holder whose manifest does not", function () {
        const lot = twoPaths().leg("DP2", D, P2);
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { MD: "proven", DP: "proven", DP2: "not-in-manifest" }, P), holder: P2 });
        expect([legIds(split.ownPath), legIds(split.lotLegs)]).to.deep.equal([["MD", "DP", "MD2", "D2P2"], ["DP2"]]);
      });

      it("walks back from the last holder the manifests prove when no holder is given", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { MD: "proven", DP: "proven", MD2: "not-in-manifest", D2P2: "not-in-manifest" }, P) });
        expect([split.basis, split.towards, legIds(split.ownPath)]).to.deep.equal(["manifests", P, ["MD", "DP"]]);
      });

      it("fills the gap before a proven leg with the lot-level legs that can have brought the pack to its sender", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { DP: "proven" }, P) });
        expect([legIds(split.ownPath), legIds(split.lotLegs)]).to.deep.equal([["MD", "DP"], ["MD2", "D2P2"]]);
      });

      it("leaves to the lot an unproven leg into a holder whose later arrival of the pack a manifest proves", function () {
        const lot = new Lot().leg("MD-early", M, D).leg("MD", M, D).leg("DP", D, P);
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { MD: "proven", DP: "proven" }, P) });
        expect(legIds(split.lotLegs)).to.deep.equal(["MD-early"]);
      });

      it("keeps a leg whose manifest could not be checked when it can have carried the pack", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { MD: "manifest-invalid", DP: "proven" }, P) });
        expect(legIds(split.ownPath)).to.deep.equal(["MD", "DP"]);
      });

      it("says the path is the manifests' alone when every leg's manifest can tell", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { MD: "proven", DP: "proven", MD2: "not-in-manifest", D2P2: "not-in-manifest" }, P), holder: P });
        expect(split.basisText).to.equal("the legs whose manifests list it");
      });

      it("names the manifests and the walk to the holder when some leg's manifest cannot tell", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, { DP: "proven" }, P), holder: P });
        expect(split.basisText).to.equal("the legs whose manifests list it, and the lot-level legs that can have carried it to Main Street, the verifying holder");
      });

      it("puts no leg on the path when the manifests show the serial is not in the batch", function () {
        const lot = twoPaths();
        const split = splitPackPath(lot.timeline, { custody: custody(lot, {}, undefined, false), holder: P });
        expect([split.basis, legIds(split.ownPath)]).to.deep.equal(["not-in-batch", []]);
      });
    });

    describe("when events concern every pack of the lot", function () {
      it("puts commissioning, recall and the suspect hold with its outcome on the pack's path, even with no leg there", function () {
        const timeline = twoPaths().recall().suspect("flagged-suspect").suspect("suspect-cleared").suspect("flagged-suspect").suspect("declared-illegitimate").timeline;
        expect(kinds(splitPackPath(timeline).ownPath)).to.deep.equal([
          "commissioned", "recalled", "flagged-suspect", "suspect-cleared", "flagged-suspect", "declared-illegitimate",
        ]);
      });

      it("puts the pack's own dispensing last on its path", function () {
        const split = splitPackPath(twoPaths().dispense(P).timeline);
        expect(split.ownPath.at(-1)).to.deep.include({ kind: "dispensed", by: P });
      });

      it("puts a quarantine decision at a holder on the path on the path, and one elsewhere with the lot's legs", function () {
        const timeline = twoPaths().quarantine("quarantine-released", D).quarantine("quarantine-condemned", P2).timeline;
        const split = splitPackPath(timeline, { holder: P });
        expect([kinds(split.ownPath).includes("quarantine-released"), kinds(split.lotLegs).includes("quarantine-condemned")]).to.deep.equal([true, true]);
      });
    });

    it("keeps every event of a leg on one side: shipped and received together, in timeline order", function () {
      const split = splitPackPath(twoPaths().timeline, { holder: P });
      expect(split.lotLegs.map((e) => `${e.kind} ${"shipmentId" in e ? e.shipmentId : ""}`)).to.deep.equal(["shipped MD2", "received MD2", "shipped D2P2", "received D2P2"]);
    });
  });

  describe("lotLegsLabel", function () {
    it("says 'other legs of this lot' with their count when the pack has legs of its own", function () {
      expect(lotLegsLabel(splitPackPath(twoPaths().timeline, { holder: P }))).to.equal("other legs of this lot (2)");
    });

    it("says 'legs of this lot' when none is the pack's", function () {
      expect(lotLegsLabel(splitPackPath(twoPaths().timeline))).to.equal("legs of this lot (4)");
    });
  });

  describe("packPathSummary", function () {
    it("gives the basis, the holder walked back from and the ids of each side's legs", function () {
      const summary = packPathSummary(splitPackPath(twoPaths().timeline, { holder: P }));
      expect(summary).to.deep.include({ basis: "holder", towards: P, ownLegs: ["MD", "DP"], lotLegs: ["MD2", "D2P2"] });
    });
  });
});

/** A genuine pack's report on `timeline`, verified by `holder`. */
function report(timeline: TimelineEntry[], holder?: PartnerInfo): PackReport {
  return {
    verdict: "Genuine", verdictCode: 0, verdictText: "genuine: may be dispensed", pack: { gtin: "00312345000172", lot: "L1", serial: "S1" },
    batchId: "0xbatch", timeline, ...(holder ? { holder } : {}),
  };
}

describe("The pack's path in rx:verify's words (src/domain/report.ts)", function () {
  const sectionOf = (lines: string[], header: RegExp) => {
    const start = lines.findIndex((l) => header.test(l));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("  "));
    return lines.slice(start, end === -1 ? undefined : end);
  };

  it("prints the pack's path first, with what its legs are, every event of each", function () {
    const lines = formatReport(report(twoPaths().timeline, P));
    const path = sectionOf(lines, /^path of this pack/);
    expect(path[0]).to.equal("path of this pack (the lot-level legs that can have carried it to Main Street, the verifying holder):");
    expect(path.slice(1).map((l) => l.replace(/^ {2}\S+ \S+ UTC {2}/, ""))).to.deep.equal([
      "commissioned by Acme 0x0000000000000000000000000000000000000001: 100 units, expires 2030-03-17",
      "shipped 10 units Acme 0x0000000000000000000000000000000000000001 -> Northline 0x0000000000000000000000000000000000000002",
      "received 10 units by Northline 0x0000000000000000000000000000000000000002 from Acme 0x0000000000000000000000000000000000000001: 3.0 °C to 6.0 °C, MKT 4.5 °C, 0 min out of range",
      "shipped 4 units Northline 0x0000000000000000000000000000000000000002 -> Main Street 0x0000000000000000000000000000000000000004",
      "received 4 units by Main Street 0x0000000000000000000000000000000000000004 from Northline 0x0000000000000000000000000000000000000002: 3.0 °C to 6.0 °C, MKT 4.5 °C, 0 min out of range",
    ]);
  });

  it("prints the lot's other legs after the path, labelled as the lot's, one line per leg", function () {
    const lines = formatReport(report(twoPaths().timeline, P));
    const lot = sectionOf(lines, /^other legs of this lot/);
    expect(lot[0]).to.equal("other legs of this lot (2): the lot's, not shown to have carried this pack (one line per leg, --all for every event):");
    expect(lot.slice(1).map((l) => l.replace(/^ {2}\S+ \S+ UTC {2}/, ""))).to.deep.equal(["shipment 10 units Acme -> Coastal: received", "shipment 3 units Coastal -> St. Mary: received"]);
    expect(lines.findIndex((l) => l.startsWith("other legs"))).to.be.greaterThan(lines.findIndex((l) => l.startsWith("path of this pack")));
  });

  it("prints every event of the lot's other legs with `all`", function () {
    const lines = formatReport(report(twoPaths().timeline, P), { all: true });
    const lot = sectionOf(lines, /^other legs of this lot/);
    expect([lot[0].endsWith("(every event):"), lot.length - 1]).to.deep.equal([true, 4]);
  });

  it("prints no section for the lot's other legs when every leg is the pack's", function () {
    const lines = formatReport(report(new Lot().leg("MD", M, D).leg("DP", D, P).timeline, P));
    expect(lines.filter((l) => /legs of this lot/.test(l))).to.deep.equal([]);
  });

  it("prints no path for an unknown lot (no timeline)", function () {
    expect(formatReport(report([])).filter((l) => l.startsWith("path of this pack"))).to.deep.equal([]);
  });

  describe("collapseLotLegs", function () {
    const collapsed = (lot: Lot) => collapseLotLegs(lot.timeline.filter((e) => e.kind !== "commissioned")).map((l) => l.replace(/^\S+ \S+ UTC {2}/, ""));

    it("says how a rejected leg ended, and why", function () {
      expect(collapsed(new Lot().ship("DP", D, P).reject("DP"))).to.deep.equal(["shipment 10 units Northline -> Main Street: rejected (Damaged)"]);
    });

    it("flags a leg that ended in a temperature excursion", function () {
      expect(collapsed(new Lot().ship("D2P2", D2, P2, 3).receive("D2P2", true))).to.deep.equal(["shipment 3 units Coastal -> St. Mary: received, EXCURSION: quarantined"]);
    });

    it("says a leg not yet settled is in transit, and names a return and a handover", function () {
      expect(collapsed(new Lot().ship("DP", D, P).ship("PD", P2, D, 1, true).handOver("H", D, P2))).to.deep.equal([
        "shipment 10 units Northline -> Main Street: in transit",
        "return 1 units St. Mary -> Northline: in transit",
        "handover 2 units Northline -> St. Mary: handed over",
      ]);
    });

    it("keeps a quarantine decision on a line of its own", function () {
      expect(collapsed(new Lot().quarantine("quarantine-condemned", P2))).to.deep.equal(["3 quarantined units of St. Mary 0x0000000000000000000000000000000000000005 condemned by FDA 0x0000000000000000000000000000000000000006"]);
    });
  });

  it("packPathOf reads the verifier and a SerialNotInBatch verdict from the report", function () {
    const forged: PackReport = { ...report(twoPaths().timeline, P), verdict: "SerialNotInBatch", verdictCode: 2 };
    const paths: PackPath[] = [packPathOf(report(twoPaths().timeline, P)), packPathOf(forged)];
    expect(paths.map((p) => p.basis)).to.deep.equal(["holder", "not-in-batch"]);
  });
});
