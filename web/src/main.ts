/**
 * The pharmacist's verification page: a pack named by camera, photo, link or typed numbers; the verdict
 * from the chain; the pack's own path, the lot's other legs apart; the certificate of origin checked on this device.
 */
import { keccak256 } from "ethers";
import { InputError } from "../../src/domain/errors";
import { parseGtin, parseLot, parseSerial, expiryFromYYMMDD, type PackIdentity } from "../../src/gs1/identifiers";
import { parseScannedCode } from "../../src/gs1/element-string";
import type { PackReport } from "../../src/domain/provenance";
import { checkPack, connect, loadNetworks, type NetworkOption } from "./chain";
import { CameraScanner, decodeImage } from "./decode";
import { bannerOf, packLine, renderBanner, renderMessage, renderProvenance } from "./render";

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

const ui = {
  cameraStart: byId<HTMLButtonElement>("camera-start"),
  cameraStop: byId<HTMLButtonElement>("camera-stop"),
  cameraVideo: byId<HTMLVideoElement>("camera-video"),
  cameraStatus: byId<HTMLParagraphElement>("camera-status"),
  photoDrop: byId<HTMLDivElement>("photo-drop"),
  photoInput: byId<HTMLInputElement>("photo-input"),
  linkForm: byId<HTMLFormElement>("link-form"),
  linkInput: byId<HTMLInputElement>("link-input"),
  fieldsForm: byId<HTMLFormElement>("fields-form"),
  gtin: byId<HTMLInputElement>("gtin-input"),
  lot: byId<HTMLInputElement>("lot-input"),
  serial: byId<HTMLInputElement>("serial-input"),
  expiry: byId<HTMLInputElement>("expiry-input"),
  network: byId<HTMLSelectElement>("network-select"),
  rpc: byId<HTMLInputElement>("rpc-input"),
  holder: byId<HTMLInputElement>("holder-input"),
  result: byId<HTMLElement>("result"),
  error: byId<HTMLDivElement>("error"),
  verdict: byId<HTMLDivElement>("verdict"),
  details: byId<HTMLDivElement>("details"),
  packLine: byId<HTMLParagraphElement>("pack-line"),
  pathBasis: byId<HTMLParagraphElement>("path-basis"),
  timeline: byId<HTMLOListElement>("timeline"),
  lotLegs: byId<HTMLDetailsElement>("lot-legs"),
  lotLegsSummary: byId<HTMLElement>("lot-legs-summary"),
  lotTimeline: byId<HTMLOListElement>("lot-timeline"),
  certificateCommitment: byId<HTMLParagraphElement>("certificate-commitment"),
  certificateDrop: byId<HTMLDivElement>("certificate-drop"),
  certificateInput: byId<HTMLInputElement>("certificate-input"),
  certificateResult: byId<HTMLParagraphElement>("certificate-result"),
};

let networks: NetworkOption[] = [];
let current: PackReport | undefined;
/** Only the latest request may paint the result. */
let sequence = 0;

function showError(message: string): void {
  ui.error.textContent = message;
}

function messageOf(error: unknown): string {
  if (error instanceof InputError) return `Check the input. ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function selectedNetwork(): NetworkOption | undefined {
  return networks.find((n) => n.name === ui.network.value);
}

async function verify(read: () => PackIdentity | Promise<PackIdentity>): Promise<void> {
  const mine = ++sequence;
  showError("");
  try {
    const pack = await read();
    const network = selectedNetwork();
    if (!network) throw new Error("no network is configured: is the page's server running?");
    const rpcUrl = ui.rpc.value.trim() || network.rpcUrl;
    renderMessage(ui.verdict, "busy", "Checking the pack on the chain…");
    const connection = await connect(network.name, rpcUrl, network.indexerUrl);
    let hint = "";
    const report = await checkPack(connection, pack, ui.holder.value.trim() || undefined, (p) => {
      if (mine !== sequence || p.finished) return;
      // A long history over a range-limited RPC: say how far the reading is, and what would make it instant.
      if (p.hint) hint = " An indexer answers at once: ask the operator to set RXTRACE_INDEXER_URL.";
      const share = p.blocksTotal > 0 ? Math.floor((100 * p.blocksDone) / p.blocksTotal) : 100;
      if (p.elapsedMs > 1_000 || hint) renderMessage(ui.verdict, "busy", `Reading the pack's history: ${share} % of ${p.blocksTotal.toLocaleString("en-US")} blocks…${hint}`);
    });
    if (mine !== sequence) return;
    current = report;
    showReport(report);
  } catch (error) {
    if (mine !== sequence) return;
    current = undefined;
    ui.details.hidden = true;
    renderMessage(ui.verdict, "idle", "No verdict: the pack could not be checked.");
    showError(messageOf(error));
  }
  ui.result.scrollIntoView({ block: "start" });
}

function showReport(report: PackReport): void {
  renderBanner(ui.verdict, bannerOf(report));
  ui.details.hidden = false;
  ui.packLine.textContent = packLine(report);
  renderProvenance({ basis: ui.pathBasis, path: ui.timeline, lotLegs: ui.lotLegs, lotLegsSummary: ui.lotLegsSummary, lotTimeline: ui.lotTimeline }, report);
  ui.certificateResult.textContent = "";
  ui.certificateResult.className = "";
  ui.certificateInput.value = "";
  if (report.certificate) {
    ui.certificateCommitment.textContent = `The manufacturer committed to the document with keccak-256 ${report.certificate.hash}, published at ${report.certificate.uri}.`;
    ui.certificateDrop.hidden = false;
  } else {
    ui.certificateCommitment.textContent = "No certificate: the batch is not on the chain.";
    ui.certificateDrop.hidden = true;
  }
}

async function checkCertificate(file: File): Promise<void> {
  const report = current;
  if (!report?.certificate) return;
  const hash = keccak256(new Uint8Array(await file.arrayBuffer()));
  const matches = hash.toLowerCase() === report.certificate.hash.toLowerCase();
  report.certificate.matches = matches;
  renderBanner(ui.verdict, bannerOf(report));
  ui.certificateResult.className = matches ? "match" : "mismatch";
  ui.certificateResult.textContent = matches
    ? `✓ ${file.name} matches the certificate committed on the chain.`
    : `✕ ${file.name} does NOT match the certificate committed on the chain (its keccak-256 is ${hash}).`;
}

function packFromFields(): PackIdentity {
  const expiry = ui.expiry.value.trim();
  if (expiry) expiryFromYYMMDD(expiry, "Expiry");
  return {
    gtin: parseGtin(ui.gtin.value, "GTIN"),
    lot: parseLot(ui.lot.value.trim(), "Lot"),
    serial: parseSerial(ui.serial.value.trim(), "Serial"),
    expiry: expiry || undefined,
  };
}

/** Drag and drop onto a zone, plus its file input (keyboard users use the input). */
function fileZone(zone: HTMLElement, input: HTMLInputElement, onFile: (file: File) => void): void {
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) onFile(file);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer?.files[0];
    if (file) onFile(file);
  });
}

const camera = new CameraScanner();

function cameraUi(running: boolean, status: string): void {
  ui.cameraStart.hidden = running;
  ui.cameraStop.hidden = !running;
  ui.cameraVideo.hidden = !running;
  ui.cameraStatus.textContent = status;
}

function wire(): void {
  ui.linkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void verify(() => parseScannedCode(ui.linkInput.value, "Digital Link"));
  });
  ui.fieldsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void verify(packFromFields);
  });
  fileZone(ui.photoDrop, ui.photoInput, (file) => {
    void verify(async () => {
      const text = await decodeImage(file);
      ui.linkInput.value = text;
      return parseScannedCode(text, `the code in ${file.name}`);
    });
  });
  fileZone(ui.certificateDrop, ui.certificateInput, (file) => {
    checkCertificate(file).catch((error: unknown) => showError(messageOf(error)));
  });
  ui.cameraStart.addEventListener("click", () => {
    cameraUi(true, "Point the camera at the pack's code.");
    camera
      .start(ui.cameraVideo, (text) => {
        cameraUi(false, "Code read.");
        ui.cameraStart.focus();
        ui.linkInput.value = text;
        void verify(() => parseScannedCode(text, "the scanned code"));
      })
      .catch((error: unknown) => {
        cameraUi(false, "");
        showError(messageOf(error));
      });
  });
  ui.cameraStop.addEventListener("click", () => {
    camera.stop();
    cameraUi(false, "Camera stopped.");
    ui.cameraStart.focus();
  });
  ui.network.addEventListener("change", () => {
    ui.rpc.value = selectedNetwork()?.rpcUrl ?? "";
  });
}

async function init(): Promise<void> {
  wire();
  try {
    networks = await loadNetworks();
  } catch (error) {
    showError(messageOf(error));
    return;
  }
  ui.network.replaceChildren(
    ...networks.map((n) => {
      const option = document.createElement("option");
      option.value = n.name;
      option.textContent = n.deployed ? n.name : `${n.name} (no deployment record yet)`;
      return option;
    }),
  );
  ui.rpc.value = networks[0]?.rpcUrl ?? "";
  // A link in the page's address (…/#link=<Digital Link>) is verified at once: a scanner app can open it.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("link");
  if (fromHash) {
    ui.linkInput.value = fromHash;
    void verify(() => parseScannedCode(fromHash, "Digital Link"));
  }
  document.body.dataset.ready = "true";
}

void init();
