/**
 * Reading an EPCIS document into one shape whatever its format: EPCIS 2.0 JSON-LD, or EPCIS 1.2 XML as DSCSA
 * exchange mostly still uses it (sourceList, destinationList and ilmd inside `<extension>`, the GS1 US healthcare
 * header with the Standard Business Document Header and the DSCSA transaction statement). Field names are
 * taken by their local name (`cbvmda:lotNumber`, `urn:epcglobal:cbv:mda:lotNumber` and `<cbvmda:lotNumber>` are
 * all `lotNumber`); values stay as written, for the import to check and to name in its messages.
 */
import { XMLParser } from "fast-xml-parser";
import { InputError } from "../domain/errors";

export interface DocumentEvent {
  /** 0-based position in the event list. */
  index: number;
  /** How messages name the event: `eventList[3]`. */
  where: string;
  type: string;
  action?: string;
  bizStep?: string;
  disposition?: string;
  eventTime?: string;
  epcList: string[];
  parentID?: string;
  childEPCs: string[];
  quantityList: { epcClass: string; quantity?: number }[];
  /** ilmd by local name (lotNumber, itemExpirationDate, storageMinTemp, …). */
  ilmd: Record<string, string>;
  certificationInfo?: string;
  sources: { type: string; id: string }[];
  destinations: { type: string; id: string }[];
  bizTransactions: { type?: string; id: string }[];
  /** Extension fields of the event itself by local name (certificateHash, …). */
  extensions: Record<string, string>;
  /** The event declares an earlier event erroneous (EPCIS errorDeclaration): its reason, or "" when it gives none. */
  errorDeclaration?: string;
}

export interface ReadDocument {
  format: "EPCIS 2.0 JSON-LD" | "EPCIS 1.2 XML";
  schemaVersion?: string;
  events: DocumentEvent[];
  /** The sender's identifier from the header, when it has one. */
  sender?: string;
  /** Whether the header affirms the DSCSA transaction statement (GS1 US healthcare). */
  transactionStatement?: boolean;
}

/** `cbvmda:lotNumber`, `urn:epcglobal:cbv:mda:lotNumber`, `https://…#lotNumber` → `lotNumber`. */
export function localName(name: string): string {
  return name.replace(/^.*[:#/]/, "");
}

const EVENT_TYPES = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"];

/* ------------------------------------------------------------------ JSON-LD */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : []);

function flat(record: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(record)) return out;
  for (const [k, v] of Object.entries(record)) {
    const value = str(v);
    if (value !== undefined) out[localName(k)] = value;
  }
  return out;
}

function jsonEvent(e: Json, index: number): DocumentEvent {
  const list = (key: string, inner: string) =>
    (Array.isArray(e[key]) ? (e[key] as unknown[]) : []).filter(isObject).map((x) => ({ type: str(x.type) ?? "", id: str(x[inner]) ?? "" }));
  const extensions: Record<string, string> = {};
  for (const [k, v] of Object.entries(e)) if (k.includes(":") && str(v) !== undefined) extensions[localName(k)] = str(v) as string;
  const cert = Array.isArray(e.certificationInfo) ? strings(e.certificationInfo)[0] : str(e.certificationInfo);
  return {
    index,
    where: `eventList[${index}]`,
    type: str(e.type) ?? str(e.isA) ?? "",
    action: str(e.action),
    bizStep: str(e.bizStep),
    disposition: str(e.disposition),
    eventTime: str(e.eventTime),
    epcList: strings(e.epcList),
    parentID: str(e.parentID),
    childEPCs: strings(e.childEPCs),
    quantityList: (Array.isArray(e.quantityList) ? e.quantityList : Array.isArray(e.childQuantityList) ? e.childQuantityList : [])
      .filter(isObject)
      .map((q) => ({ epcClass: str(q.epcClass) ?? "", quantity: typeof q.quantity === "number" ? q.quantity : undefined })),
    ilmd: flat(e.ilmd),
    certificationInfo: cert,
    sources: list("sourceList", "source"),
    destinations: list("destinationList", "destination"),
    bizTransactions: (Array.isArray(e.bizTransactionList) ? e.bizTransactionList : []).filter(isObject).map((t) => ({ type: str(t.type), id: str(t.bizTransaction) ?? "" })),
    extensions,
    ...(e.errorDeclaration !== undefined ? { errorDeclaration: (isObject(e.errorDeclaration) ? str(e.errorDeclaration.reason) : undefined) ?? "" } : {}),
  };
}

export function readJsonLd(text: string, shown: string): ReadDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new InputError(shown, text.slice(0, 40), `an EPCIS 2.0 JSON-LD document (${(error as Error).message})`);
  }
  if (!isObject(doc) || str(doc.type) !== "EPCISDocument") throw new InputError(`${shown} type`, isObject(doc) ? doc.type : doc, '"EPCISDocument"');
  const body = doc.epcisBody;
  const list = isObject(body) ? body.eventList : undefined;
  if (!Array.isArray(list)) throw new InputError(`${shown} epcisBody.eventList`, "", "the list of events");
  const header = isObject(doc.epcisHeader) ? doc.epcisHeader : {};
  const statementKey = Object.keys(header).find((k) => localName(k) === "dscsaTransactionStatement");
  const statement = statementKey ? flat(header[statementKey]) : undefined;
  return {
    format: "EPCIS 2.0 JSON-LD",
    schemaVersion: str(doc.schemaVersion),
    events: list.map((e, i) => (isObject(e) ? jsonEvent(e, i) : jsonEvent({}, i))),
    sender: str(doc.sender),
    transactionStatement: statement ? statement.affirmTransactionStatement === "true" : undefined,
  };
}

/* ---------------------------------------------------------------------- XML */

/** fast-xml-parser's ordered form: each node is `{ tag: children[], ":@"?: attributes }` or `{ "#text": value }`. */
type XmlNode = Record<string, unknown>;

const tagOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ":@") ?? "";
const kids = (node: XmlNode): XmlNode[] => {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
};
const child = (nodes: XmlNode[], name: string): XmlNode | undefined => nodes.find((n) => tagOf(n) === name);
const textOf = (node: XmlNode | undefined): string | undefined => {
  if (!node) return undefined;
  const t = kids(node).find((n) => "#text" in n);
  return t === undefined ? undefined : String(t["#text"]).trim();
};
const attr = (node: XmlNode, name: string): string | undefined => {
  const a = node[":@"] as Record<string, unknown> | undefined;
  return a && a[`@_${name}`] !== undefined ? String(a[`@_${name}`]) : undefined;
};

function xmlEvent(node: XmlNode, index: number): DocumentEvent {
  const top = kids(node);
  const extension = kids(child(top, "extension") ?? {});
  const any = (name: string) => child(top, name) ?? child(extension, name);
  const epcs = (name: string) => kids(any(name) ?? {}).filter((n) => tagOf(n) === "epc").map((n) => textOf(n) ?? "");
  const typed = (listName: string, item: string) =>
    kids(any(listName) ?? {}).filter((n) => tagOf(n) === item).map((n) => ({ type: attr(n, "type") ?? "", id: textOf(n) ?? "" }));
  const ilmd: Record<string, string> = {};
  for (const n of kids(any("ilmd") ?? {})) {
    const value = textOf(n);
    if (value !== undefined) ilmd[localName(tagOf(n))] = value;
  }
  const quantities = kids(any("quantityList") ?? any("childQuantityList") ?? {}).map((q) => {
    const quantity = Number(textOf(child(kids(q), "quantity")));
    return { epcClass: textOf(child(kids(q), "epcClass")) ?? "", quantity: Number.isFinite(quantity) ? quantity : undefined };
  });
  const extensions: Record<string, string> = {};
  for (const n of [...top, ...extension]) {
    const tag = tagOf(n);
    const value = textOf(n);
    if (tag !== "" && value !== undefined && !/^(eventTime|eventTimeZoneOffset|recordTime|action|bizStep|disposition|parentID)$/.test(tag)) extensions[localName(tag)] = value;
  }
  const cert = textOf(any("certificationInfo"));
  // EPCIS 1.2 puts it in baseExtension (2.0's XML at the top of the event).
  const declared = any("errorDeclaration") ?? child(kids(child(top, "baseExtension") ?? {}), "errorDeclaration");
  return {
    index,
    where: `EventList event ${index + 1}`,
    type: tagOf(node),
    action: textOf(any("action")),
    bizStep: textOf(any("bizStep")),
    disposition: textOf(any("disposition")),
    eventTime: textOf(any("eventTime")),
    epcList: epcs("epcList"),
    parentID: textOf(any("parentID")),
    childEPCs: epcs("childEPCs"),
    quantityList: quantities,
    ilmd,
    certificationInfo: cert,
    sources: typed("sourceList", "source"),
    destinations: typed("destinationList", "destination"),
    bizTransactions: kids(any("bizTransactionList") ?? {}).filter((n) => tagOf(n) === "bizTransaction").map((n) => ({ type: attr(n, "type"), id: textOf(n) ?? "" })),
    extensions,
    ...(declared ? { errorDeclaration: textOf(child(kids(declared), "reason")) ?? "" } : {}),
  };
}

/** Depth-first search for the first node named `name`. */
function findNode(nodes: XmlNode[], name: string): XmlNode | undefined {
  for (const n of nodes) {
    if (tagOf(n) === name) return n;
    const found = findNode(kids(n), name);
    if (found) return found;
  }
  return undefined;
}

export function readXml(text: string, shown: string): ReadDocument {
  const parser = new XMLParser({ preserveOrder: true, removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, trimValues: true });
  let nodes: XmlNode[];
  try {
    nodes = parser.parse(text, true) as XmlNode[];
  } catch (error) {
    throw new InputError(shown, text.slice(0, 40), `an EPCIS 1.2 XML document (${(error as Error).message})`);
  }
  const root = nodes.find((n) => tagOf(n) === "EPCISDocument");
  if (!root) throw new InputError(`${shown} root element`, nodes.map(tagOf).filter((t) => t !== "?xml").join(","), "epcis:EPCISDocument");
  const body = child(kids(root), "EPCISBody");
  const list = body ? child(kids(body), "EventList") : undefined;
  if (!list) throw new InputError(`${shown} EPCISBody`, "", "an EPCISBody with an EventList");
  const header = child(kids(root), "EPCISHeader");
  const headerNodes = header ? kids(header) : [];
  const sender = findNode(headerNodes, "Sender");
  const statement = findNode(headerNodes, "dscsaTransactionStatement");
  const affirm = statement ? textOf(findNode(kids(statement), "affirmTransactionStatement")) : undefined;
  return {
    format: "EPCIS 1.2 XML",
    schemaVersion: attr(root, "schemaVersion"),
    events: kids(list).filter((n) => EVENT_TYPES.includes(tagOf(n)) || tagOf(n) === "extension").flatMap((n) => (tagOf(n) === "extension" ? kids(n).filter((m) => EVENT_TYPES.includes(tagOf(m))) : [n])).map(xmlEvent),
    sender: sender ? textOf(findNode(kids(sender), "Identifier")) : undefined,
    transactionStatement: statement ? affirm === "true" : undefined,
  };
}

/** A document by its first character: `{` JSON-LD, `<` XML. */
export function readEpcis(text: string, shown: string): ReadDocument {
  const body = text.replace(/^\uFEFF/, "").trimStart();
  if (body.startsWith("{")) return readJsonLd(body, shown);
  if (body.startsWith("<")) return readXml(body, shown);
  throw new InputError(shown, body.slice(0, 20), "an EPCIS 2.0 JSON-LD document ({…}) or an EPCIS 1.2 XML document (<epcis:EPCISDocument …>)");
}
