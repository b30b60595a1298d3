/**
 * Who holds which packs, by the manifests: `packsHeld` (what a partner can ship, for `rx:ship --all-remaining`)
 * and `knownCaseContents` (the packs of each sealed case, where the files at hand match the chain). Pure; the
 * pack commands (src/commands/packs) choose among these packs.
 */
import { serialFromBytes32 } from "../domain/ids";
import { type CustodyFacts, type Settlement } from "../domain/provenance";
import { type CaseRecord, type Manifest, caseContentsOf, packsOf } from "./manifest";

/* ---------------------------------------------------------- who holds what */

/**
 * The packs `holder` holds by the manifests: the commissioned serials when it is the manufacturer (its serial
 * file), plus the packs of every manifest it received, minus those it shipped in a manifest that was not
 * rejected or cancelled, minus the packs dispensed. `manifests` are the batch's manifests that hold; legs without
 * a manifest move units the ledger cannot name (the contract still counts them).
 */
export function packsHeld(holder: string, facts: CustodyFacts, manifests: readonly Manifest[], commissioned?: readonly string[]): Set<string> {
  const me = holder.toLowerCase();
  const settled = new Map<string, Settlement>(facts.legs.map((l) => [l.shipmentId.toLowerCase(), l.settlement]));
  const count = new Map<string, number>();
  const add = (serial: string, n: number) => count.set(serial, (count.get(serial) ?? 0) + n);
  if (commissioned && facts.manufacturer?.toLowerCase() === me) for (const serial of commissioned) add(serial, 1);
  const seen = new Set<string>();
  for (const m of manifests) {
    const id = m.shipmentId.toLowerCase();
    const settlement = settled.get(id);
    if (seen.has(id) || !settlement) continue;
    seen.add(id);
    const left = settlement !== "rejected" && settlement !== "cancelled";
    const arrived = settlement === "received" || settlement === "handed-over";
    const delta = (m.sender.toLowerCase() === me && left ? -1 : 0) + (m.receiver.toLowerCase() === me && arrived ? 1 : 0);
    if (delta !== 0) for (const serial of packsOf(m)) add(serial, delta);
  }
  const dispensed = new Set([...facts.dispensed].map((s) => serialFromBytes32(s)));
  const held = new Set<string>();
  for (const [serial, n] of count) if (n > 0 && !dispensed.has(serial)) held.add(serial);
  return held;
}

/**
 * The packs of `held` that came to `holder` into quarantine by the manifests: the last leg that brought each to it
 * (a leg it received, or one of its own that came back rejected or cancelled) left the units quarantined. A
 * regulator releases quarantined units by quantity, not by pack, so the files cannot tell which packs a release
 * freed: the caller decides whether these still count as quarantined (e.g. while the holder has quarantined units).
 */
export function packsQuarantined(holder: string, facts: CustodyFacts, manifests: readonly Manifest[], held: ReadonlySet<string>): Set<string> {
  const me = holder.toLowerCase();
  const byId = new Map(manifests.map((m) => [m.shipmentId.toLowerCase(), m]));
  const last = new Map<string, boolean>();
  for (const leg of facts.legs) {
    const m = byId.get(leg.shipmentId.toLowerCase());
    if (!m) continue;
    const arrived = leg.receiver.toLowerCase() === me && (leg.settlement === "received" || leg.settlement === "handed-over");
    const back = leg.sender.toLowerCase() === me && (leg.settlement === "rejected" || leg.settlement === "cancelled");
    if (arrived || back) for (const serial of packsOf(m)) last.set(serial, leg.quarantined === true);
  }
  return new Set([...held].filter((serial) => last.get(serial) === true));
}

/**
 * The packs of each case of the batch whose contents the files at hand know (case records and the cases of
 * manifests), only where they match the contents the case was sealed with.
 */
export function knownCaseContents(facts: CustodyFacts, records: readonly CaseRecord[], manifests: readonly Manifest[]): Map<string, string[]> {
  const known = new Map<string, string[]>();
  const offer = (sscc: string, contents: string, packs: string[]) => {
    const sealed = facts.cases.get(sscc);
    if (!sealed || known.has(sscc) || sealed.contents.toLowerCase() !== contents.toLowerCase() || sealed.packs !== packs.length) return;
    if (caseContentsOf(packs) === sealed.contents.toLowerCase()) known.set(sscc, packs);
  };
  for (const r of records) if (r.batchId.toLowerCase() === facts.batchId.toLowerCase()) offer(r.sscc, r.contents, r.packs);
  for (const m of manifests) for (const c of m.cases) offer(c.sscc, c.contents, c.packs);
  return known;
}
