import { expect } from "chai";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BarcodeFormat, DataMatrixWriter, EncodeHintType } from "@zxing/library";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { Verdict, VERDICT_TEXT } from "../../src/domain/enums";
import { GS } from "../../src/gs1/element-string";
import { verdictLabel } from "../../src/domain/report";
import { childEnv, hardhat, startNode, type Node, type Run } from "../e2e/processes";
import { startWeb } from "./web-server";
import { chooseChromium } from "./chromium";
import { tempDir } from "../tmp";

const ROOT = path.join(__dirname, "..", "..");
const SCREENSHOTS = path.join(ROOT, "test-output", "web");
const EXAMPLES = path.join(ROOT, "examples");
const GTIN = "00312345000172";
const LOT = "A24-0001";
const RECALLED_LOT = "A24-0002";
/** St. Mary Hospital Pharmacy: the demo's warm leg ended there, so its units of LOT are quarantined. */
const ST_MARY_GLN = "0860001000023";
/** Main Street Pharmacy: path 1 of the demo ended there. */
const MAIN_STREET_GLN = "0860001000016";
const link = (lot: string, serial: string, expiry?: string) =>
  `https://id.rxtrace.example/01/${GTIN}/10/${lot}/21/${serial}${expiry ? `?17=${expiry}` : ""}`;
/** The words the banner shows for a verdict. */
const expected = (verdict: Verdict) => ({ label: verdictLabel(Verdict[verdict]), text: VERDICT_TEXT[verdict] });

/**
 * A GS1 DataMatrix of `elements` as a Y4M video (what Chromium's fake camera plays): black modules on
 * white, 8 pixels per module, centred in 640x480.
 */
function dataMatrixVideo(elements: string, file: string): void {
  // zxing-js's GS1 encoder (DATA_MATRIX_COMPACT + GS1_FORMAT) throws, so FNC1 is written as ASCII 29 data:
  // the decoded text is the same as a GS1 DataMatrix's ("\u001d" first and between variable fields).
  const matrix = new DataMatrixWriter().encode(GS + elements, BarcodeFormat.DATA_MATRIX, 0, 0, new Map<EncodeHintType, unknown>());
  const [width, height, scale] = [640, 480, 8];
  const left = Math.floor((width - matrix.getWidth() * scale) / 2);
  const top = Math.floor((height - matrix.getHeight() * scale) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < matrix.getHeight() * scale; y++) {
    for (let x = 0; x < matrix.getWidth() * scale; x++) {
      if (matrix.get(Math.floor(x / scale), Math.floor(y / scale))) luma[(top + y) * width + left + x] = 0;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  writeFileSync(file, Buffer.concat([header, frame, frame]));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * The pharmacist's page against a real node holding the demo's data: a local `hardhat node`, the demo run on
 * it as a separate process, `npm run web`'s server, and Chromium driven by playwright-core: RXTRACE_CHROMIUM,
 * else a system Chromium, else the one the @sparticuz/chromium package carries (see ./chromium.ts).
 */
describe("Verification page in a real browser (web/)", function () {
  this.timeout(300_000);
  let node: Node | undefined;
  let web: { url: string; stop(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let dir: string;
  let qrPng: string;
  const runs: Record<string, Run> = {};

  before(async function () {
    this.timeout(180_000);
    const chromiumChoice = await chooseChromium();
    dir = tempDir("rx-web-");
    node = await startNode(childEnv({}));
    const env = childEnv({ LOCALHOST_RPC_URL: node.url, RXTRACE_RPC_URL_LOCALHOST: node.url, RXTRACE_DEPLOYMENTS_DIR: dir });
    runs.demo = await hardhat(["run", "scripts/demo.ts", "--network", "localhost"], env);
    if (runs.demo.code !== 0) throw new Error(`the demo failed:\n${runs.demo.stdout}\n${runs.demo.stderr}`);
    qrPng = path.join(dir, "qr", "SN000003.png");
    runs.qr = await hardhat(["rx:qr", "--gtin", GTIN, "--lot", LOT, "--serial", "SN000003", "--expiry", "280331", "--out", qrPng.replace(/\.png$/, ""), "--network", "localhost"], env);
    if (runs.qr.code !== 0) throw new Error(`rx:qr failed:\n${runs.qr.stdout}\n${runs.qr.stderr}`);
    // The camera sees a GS1 DataMatrix (element string with FNC1) of a pack on Main Street's shelf.
    const video = path.join(dir, "datamatrix-SN000005.y4m");
    dataMatrixVideo(`01${GTIN}17280331` + `10${LOT}${GS}21SN000005`, video);
    web = await startWeb(env);
    browser = await chromium.launch({
      executablePath: chromiumChoice.executablePath,
      env: chromiumChoice.env,
      timeout: 60_000,
      args: [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
        "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    // A phone-sized screen.
    context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 1 });
    await context.grantPermissions(["camera"], { origin: web.url });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async function () {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await web?.stop();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page, ready for input. */
  async function open(): Promise<Page> {
    if (page) await page.close();
    page = await (context as BrowserContext).newPage();
    await page.goto((web as { url: string }).url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    return page;
  }

  async function setHolder(gln: string): Promise<void> {
    await page.click("#settings summary");
    await page.fill("#holder-input", gln);
  }

  /** Waits for the verdict (or an error), saves a screenshot, returns what the banner says. */
  async function verdictShown(screenshot: string): Promise<{ tone: string; label: string; text: string; error: string }> {
    await page.waitForSelector("#verdict.genuine, #verdict.stop, #error:not(:empty)", { timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshot}.png`), fullPage: true });
    const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? "").catch(() => "");
    return {
      tone: (await page.getAttribute("#verdict", "class")) ?? "",
      label: await text("#verdict .verdict-label"),
      text: await text("#verdict .verdict-text"),
      error: await text("#error"),
    };
  }

  async function byLink(value: string, screenshot: string) {
    await page.fill("#link-input", value);
    await page.click("#link-form button[type=submit]");
    return verdictShown(screenshot);
  }

  describe("when a pack is entered by its Digital Link", function () {
    it("says GENUINE, in green, for a pack on a pharmacy's shelf", async function () {
      await open();
      const shown = await byLink(link(LOT, "SN000002", "280331"), "genuine");
      expect(shown).to.include({ tone: "verdict genuine", text: expected(Verdict.Genuine).text, error: "" });
      expect(shown.label).to.contain(expected(Verdict.Genuine).label);
      // The first screen only, as a phone shows it: docs/page.png in the README is a copy of this file.
      await page.evaluate("window.scrollTo(0, 0)");
      await page.screenshot({ path: path.join(SCREENSHOTS, "page.png") });
    });

    it("says ALREADY DISPENSED, in red, for the pack the demo dispensed", async function () {
      await open();
      const shown = await byLink(link(LOT, "SN000001"), "dispensed");
      expect(shown).to.include({ tone: "verdict stop", text: expected(Verdict.AlreadyDispensed).text });
      expect(shown.label).to.contain(expected(Verdict.AlreadyDispensed).label);
    });

    it("says QUARANTINED for a pack of the warm leg at St. Mary, given St. Mary's GLN", async function () {
      await open();
      await setHolder(ST_MARY_GLN);
      const shown = await byLink(link(LOT, "SN000010"), "excursion");
      expect(shown).to.include({ tone: "verdict stop", text: expected(Verdict.Quarantined).text });
      expect(shown.label).to.contain(expected(Verdict.Quarantined).label);
    });

    it("says RECALLED for a pack of the recalled lot", async function () {
      await open();
      const shown = await byLink(link(RECALLED_LOT, "SNB000001"), "recalled");
      expect(shown).to.include({ tone: "verdict stop", text: expected(Verdict.Recalled).text });
      expect(shown.label).to.contain(expected(Verdict.Recalled).label);
    });

    it("says SERIAL NOT IN BATCH for a forged serial", async function () {
      await open();
      const shown = await byLink(link(LOT, "FAKE0001"), "forged");
      expect(shown).to.include({ tone: "verdict stop", text: expected(Verdict.SerialNotInBatch).text });
      expect(shown.label).to.contain(expected(Verdict.SerialNotInBatch).label);
    });

    it("shows the pack's path to this pharmacy: manufacturer with GLN, each leg with quantities and temperatures", async function () {
      await open();
      await setHolder(MAIN_STREET_GLN);
      await byLink(link(LOT, "SN000002"), "timeline");
      const items = await page.$$eval("#timeline li", (lis) => lis.map((li) => li.textContent ?? ""));
      expect(items[0]).to.contain("Commissioned by Acme Pharma Manufacturing (GLN 0312345000011)").and.contain("12 units");
      expect(items.join("\n"))
        .to.contain("Received: 4 units by Main Street Pharmacy (GLN 0860001000016)")
        .and.contain("Temperature 3.6 °C to 6.4 °C, mean kinetic 5.3 °C, 0 min out of range");
      expect(await page.textContent("#path-basis")).to.equal(
        "This pack's path: the lot-level legs that can have carried it to Main Street Pharmacy, the verifying holder.",
      );
    });

    it("keeps the legs to St. Mary off the pack's path", async function () {
      await open();
      await setHolder(MAIN_STREET_GLN);
      await byLink(link(LOT, "SN000002"), "timeline-own");
      const items = await page.$$eval("#timeline li", (lis) => lis.map((li) => li.textContent ?? ""));
      expect(items.filter((i) => i.includes("St. Mary"))).to.deep.equal([]);
    });

    it("shows the lot's other legs apart, collapsed and labelled as the lot's, the warm leg among them", async function () {
      await open();
      await setHolder(MAIN_STREET_GLN);
      await byLink(link(LOT, "SN000002"), "timeline-lot");
      const lot = await page.$eval("#lot-legs", (d) => ({ open: d.hasAttribute("open"), hidden: d.hasAttribute("hidden") }));
      expect(lot).to.deep.equal({ open: false, hidden: false });
      // Coastal, St. Mary (warm), the damaged shipment and the short one St. Mary rejected: the demo's four other legs.
      expect(await page.textContent("#lot-legs-summary")).to.equal("Other legs of this lot (4): the lot's, not shown to have carried this pack");
      await page.click("#lot-legs-summary");
      const items = await page.$$eval("#lot-timeline li", (lis) => lis.map((li) => li.textContent ?? ""));
      expect(items.join("\n")).to.contain("Temperature excursion: the units were quarantined");
    });

    it("shows the warm leg on the path of a pack at St. Mary", async function () {
      await open();
      await setHolder(ST_MARY_GLN);
      await byLink(link(LOT, "SN000010"), "timeline-warm");
      const items = await page.$$eval("#timeline li", (lis) => lis.map((li) => li.textContent ?? ""));
      expect(items.join("\n")).to.contain("Temperature excursion: the units were quarantined");
    });

    it("names the field and what was expected when the link is malformed", async function () {
      await open();
      const shown = await byLink("https://id.rxtrace.example/01/00312345000173/10/A/21/B", "bad-link");
      expect(shown.error).to.contain("Digital Link (01)").and.contain("check digit");
    });
  });

  describe("when the QR code that `rx:qr` wrote is uploaded as a photo", function () {
    it("decodes it and says GENUINE", async function () {
      await open();
      await page.setInputFiles("#photo-input", qrPng);
      const shown = await verdictShown("upload-qr");
      expect(shown).to.include({ tone: "verdict genuine", text: expected(Verdict.Genuine).text, error: "" });
      expect(await page.textContent("#pack-line")).to.contain("serial SN000003, expiry 280331");
    });
  });

  describe("when the camera sees a GS1 DataMatrix", function () {
    it("decodes the element string and says GENUINE", async function () {
      await open();
      await page.click("#camera-start");
      const shown = await verdictShown("camera-datamatrix");
      expect(shown).to.include({ tone: "verdict genuine", text: expected(Verdict.Genuine).text, error: "" });
      expect(await page.textContent("#pack-line")).to.contain("serial SN000005");
    });
  });

  describe("when the pharmacist types GTIN, lot and serial with the keyboard only", function () {
    it("verifies on Enter", async function () {
      await open();
      await page.focus("#gtin-input");
      await page.keyboard.type(GTIN);
      await page.keyboard.press("Tab");
      await page.keyboard.type(LOT);
      await page.keyboard.press("Tab");
      await page.keyboard.type("SN000004");
      await page.keyboard.press("Enter");
      const shown = await verdictShown("typed");
      expect(shown).to.include({ tone: "verdict genuine", text: expected(Verdict.Genuine).text });
    });
  });

  describe("when a certificate of origin is dropped after a verdict", function () {
    it("says the lot's own certificate matches the commitment", async function () {
      await open();
      await byLink(link(LOT, "SN000002"), "certificate-before");
      await page.setInputFiles("#certificate-input", path.join(EXAMPLES, "certificate-A24-0001.txt"));
      await page.waitForSelector("#certificate-result.match");
      await page.screenshot({ path: path.join(SCREENSHOTS, "certificate-match.png"), fullPage: true });
      expect(await page.textContent("#certificate-result")).to.contain("matches the certificate committed on the chain");
    });

    it("says another document does not match, and the banner turns to do not dispense", async function () {
      await open();
      await byLink(link(LOT, "SN000002"), "certificate-before-other");
      await page.setInputFiles("#certificate-input", path.join(EXAMPLES, "certificate-A24-0002.txt"));
      await page.waitForSelector("#certificate-result.mismatch");
      await page.screenshot({ path: path.join(SCREENSHOTS, "certificate-mismatch.png"), fullPage: true });
      expect(await page.textContent("#verdict")).to.contain("DO NOT DISPENSE").and.contain("does not match");
    });
  });

  describe("when checked for accessibility and a phone's width", function () {
    it("has no serious or critical axe-core violation, with a verdict, the timeline and the settings shown", async function () {
      await open();
      await setHolder(ST_MARY_GLN);
      await byLink(link(LOT, "SN000010"), "accessibility");
      await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js", { paths: [ROOT] }) });
      const violations = await page.evaluate<AxeViolation[]>(
        "axe.run().then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))",
      );
      const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(serious, serious.map((v) => `${v.impact} ${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`).join("\n")).to.deep.equal([]);
    });

    it("fits 375 px without sideways scrolling", async function () {
      await open();
      await byLink(link(LOT, "SN000002"), "phone-width");
      const width = await page.$eval("html", (html) => html.scrollWidth);
      expect(width).to.be.at.most(375);
    });
  });
});
