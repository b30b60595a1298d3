import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { CACHE, chooseChromium, packagedChromium } from "./chromium";

/** The browser the browser suite drives comes from npm when the machine has none (./chromium.ts). */
describe("Chromium for the browser tests (test/web/chromium.ts)", function () {
  this.timeout(300_000);

  describe("when RXTRACE_CHROMIUM names a missing file", function () {
    it("refuses, naming the variable, the value and what was expected", async function () {
      const env = { ...process.env, RXTRACE_CHROMIUM: "/no/such/chromium" };
      let message = "";
      await chooseChromium(env).catch((error: Error) => (message = error.message));
      expect(message).to.contain('RXTRACE_CHROMIUM is "/no/such/chromium"').and.contain("expected the path of a Chromium binary");
    });
  });

  describe("when two workers decompress the packaged browser at the same time, after one was killed mid-way", function () {
    let cache: string;
    before(function () {
      mkdirSync(path.dirname(CACHE), { recursive: true });
      cache = mkdtempSync(path.join(CACHE, "..", "rxtrace-chromium-race-"));
      // What a decompression killed an hour ago leaves behind.
      const abandoned = path.join(cache, ".staging-0.0.0-killed");
      mkdirSync(abandoned);
      writeFileSync(path.join(abandoned, "chromium"), "half a browser");
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(abandoned, hourAgo, hourAgo);
    });
    after(function () {
      if (cache) rmSync(cache, { recursive: true, force: true });
    });

    it("both get the same complete browser, and no staging folder is left, the abandoned one included", async function () {
      const [a, b] = await Promise.all([packagedChromium(process.env, cache), packagedChromium(process.env, cache)]);
      expect(a.executablePath).to.equal(b.executablePath);
      expect(statSync(a.executablePath).size).to.be.greaterThan(100_000_000);
      expect(readdirSync(cache)).to.deep.equal([path.basename(path.dirname(a.executablePath))]);
    });
  });

  describe("when the packaged browser is launched by playwright-core", function () {
    it("runs headless and renders a page", async function () {
      const choice = await packagedChromium();
      const browser = await chromium.launch({ executablePath: choice.executablePath, env: choice.env, timeout: 60_000, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage();
        await page.setContent("<h1>rxtrace</h1>");
        expect(await page.textContent("h1")).to.equal("rxtrace");
        expect(browser.version()).to.match(/^\d+\./);
      } finally {
        await browser.close();
      }
    });
  });
});
