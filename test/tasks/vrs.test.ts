/**
 * The GS1 verification responder (src/vrs) over a real HTTP server on a free port (the one `rx:vrs-serve` starts)
 * and the in-process chain, asked by `rx:verify --vrs` and by hand-made requests: for every verdict of the story,
 * rx:verify's verdict (the page's: both call verifyPack) and the responder's answer side by side; then who may ask
 * (401, 403, freshness, replay) and what a malformed request gets (400, 404, 405).
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { cpSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { JsonRpcServer } from "hardhat/types";
import { deploymentsDir } from "../../src/chain/deployment";
import { vrsApiMiddleware } from "../../web/server";
import { tempDir } from "../tmp";
import { expiryToYYMMDD, formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf, serialToBytes32 } from "../../src/domain/ids";
import type { PackReport } from "../../src/domain/provenance";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, FOREIGN_GTIN, GTIN, GTIN_2, serialRange } from "../../src/scenario/scenario";
import { saveSerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { ManifestTree } from "../../src/manifests/manifest";
import { serveFromArgs } from "../../src/commands/vrs/vrs-command";
import type { RunningResponder } from "../../src/vrs/responder";
import { signedHeaders } from "../../src/vrs/authorization";
import { verificationTarget, type VrsData } from "../../src/vrs/messages";
import { VRS_ADDITIONAL_INFO_EXIT_CODE, VRS_NOT_VERIFIED_EXIT_CODE, VRS_REFUSED_EXIT_CODE, type VrsAnswer } from "../../src/vrs/client";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { PartnerWallet__factory } from "../../typechain-types";
import { makeGln } from "../../src/gs1/identifiers";

const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
const LOT = { genuine: "Q24-0001", recalled: "Q24-0002", suspect: "Q24-0003", illegitimate: "Q24-0004", expired: "Q24-0005" } as const;
const PREFIX = { genuine: "VS", recalled: "VR", suspect: "VU", illegitimate: "VI", expired: "VE" } as const;
const UUID = "21ec2020-3aea-4069-a2dd-08002b30309d";
const leg = { minTemp: 31, maxTemp: 62, meanKineticTemp: 48, minutesOutOfRange: 0, loggerHash: hre.ethers.id("logger") };

let running: RunningResponder | undefined;
after(async function () {
  await running?.close();
});

/**
 * Five lots of the flagship GTIN, one per verdict: genuine (a pack of it dispensed at Main Street), recalled,
 * suspect, illegitimate, expired; St. Mary suspended; the responder serving on a free port.
 */
async function storyFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const [admin, , manufacturer, , distributor, , pharmacy, pharmacy2, regulator] = signers;
  const now = await time.latest();
  const expiry: Record<keyof typeof LOT, string> = { genuine: "", recalled: "", suspect: "", illegitimate: "", expired: "" };
  for (const key of Object.keys(LOT) as (keyof typeof LOT)[]) {
    const tree = SerialTree.of(serialRange(30, PREFIX[key]));
    const seconds = now + (key === "expired" ? 2 : 400) * 24 * 3600;
    await rx.connect(manufacturer).commissionBatch({
      gtin: GTIN, lot: LOT[key], expiry: seconds, quantity: 30n, ...COLD_CHAIN, serialRoot: tree.root,
      certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
    });
    saveSerialFile(hre.network.name, batchIdOf(GTIN, LOT[key]), GTIN, LOT[key], tree);
    expiry[key] = expiryToYYMMDD(seconds);
  }
  // The genuine lot reaches Main Street pack by pack, and one of its packs is dispensed there.
  const batchId = batchIdOf(GTIN, LOT.genuine);
  const tree = SerialTree.of(serialRange(30, PREFIX.genuine));
  await rx.connect(manufacturer).ship(batchId, distributor.address, 20n);
  await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 20n, nonce: 0n }, leg);
  const toPharmacy = ManifestTree.of(serialRange(10, PREFIX.genuine), []);
  await rx.connect(distributor).shipPacks(batchId, pharmacy.address, 10n, toPharmacy.root);
  await rx.connect(pharmacy).receiveShipment({ batchId, sender: distributor.address, receiver: pharmacy.address, quantity: 10n, nonce: 0n }, leg);
  const claim = { sender: distributor.address, quantity: 10n, nonce: 0n, manifestProof: toPharmacy.proofOfPack("VS000002") };
  await rx.connect(pharmacy).dispense(batchId, serialToBytes32("VS000002"), tree.proof("VS000002"), claim);

  await rx.connect(regulator).recall(batchIdOf(GTIN, LOT.recalled), 2, hre.ethers.id("recall notice"), "https://recalls.example/Q24-0002");
  await rx.connect(regulator).flagSuspect(batchIdOf(GTIN, LOT.suspect), hre.ethers.id("suspect"));
  await rx.connect(regulator).declareIllegitimate(batchIdOf(GTIN, LOT.illegitimate), hre.ethers.id("counterfeit"));
  await rx.connect(admin).suspendPartner(pharmacy2.address, hre.ethers.id("audit"));
  await time.increase(3 * 24 * 3600); // the expired lot's day passes
  running ??= await serveFromArgs(hre, { port: "0" });
  return { ...base, expiry, url: running.url };
}

/** Runs rx:verify (with `--json`) and returns what it printed, parsed, and its exit code. */
async function rxVerify<T>(params: Record<string, unknown>): Promise<{ json: T; exitCode: number }> {
  const { lines } = await captureOutput(() => hre.run("rx:verify", { ...params, json: true }));
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0; // the verdict's exit code is for the command line, not for mocha
  return { json: JSON.parse(lines.join("\n")) as T, exitCode };
}

/** A GET of `target` on the responder, signed by `signer` (at `timestamp`, default now) unless it is undefined. */
async function get(url: string, target: string, signer?: Signer, options: { timestamp?: number; corrUUID?: string; method?: string } = {}) {
  const headers = signer
    ? await signedHeaders(signer, options.method ?? "GET", target, options.corrUUID, options.timestamp ?? Math.floor(Date.now() / 1000))
    : {};
  const response = await fetch(`${url}${target}`, { method: options.method ?? "GET", headers });
  return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
}

const gtin = formatGtin(GTIN);

describe("GS1 verification requests (rx:vrs-serve, rx:verify --vrs)", function () {
  describe("for every verdict of the story, rx:verify and the responder agree", function () {
    type Case = { name: string; lot: string; serial: string; expiry: (e: Record<keyof typeof LOT, string>) => string; verdict: string; expiryMatches?: boolean; data: VrsData };
    const CASES: Case[] = [
      { name: "genuine", lot: LOT.genuine, serial: "VS000001", expiry: (e) => e.genuine, verdict: "Genuine", data: { verified: true } },
      {
        name: "dispensed (a clone)", lot: LOT.genuine, serial: "VS000002", expiry: (e) => e.genuine, verdict: "AlreadyDispensed",
        data: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Suspect" },
      },
      { name: "recalled", lot: LOT.recalled, serial: "VR000001", expiry: (e) => e.recalled, verdict: "Recalled", data: { verified: true, additionalInfo: "Recalled" } },
      { name: "suspect", lot: LOT.suspect, serial: "VU000001", expiry: (e) => e.suspect, verdict: "Suspect", data: { verified: true, additionalInfo: "Suspect" } },
      {
        name: "illegitimate", lot: LOT.illegitimate, serial: "VI000001", expiry: (e) => e.illegitimate, verdict: "Illegitimate",
        data: { verified: false, verificationFailureReason: "Not_for_re-distribution", additionalInfo: "Illegitimate" },
      },
      { name: "expired", lot: LOT.expired, serial: "VE000001", expiry: (e) => e.expired, verdict: "Expired", data: { verified: true, additionalInfo: "Expired" } },
      {
        name: "wrong lot (another lot's serial)", lot: LOT.recalled, serial: "VS000001", expiry: (e) => e.genuine, verdict: "SerialNotInBatch",
        data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" },
      },
      {
        name: "wrong lot (no such lot)", lot: "NO-SUCH-LOT", serial: "VS000001", expiry: (e) => e.genuine, verdict: "UnknownBatch",
        data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot" },
      },
      {
        name: "wrong lot and wrong expiry", lot: LOT.recalled, serial: "VS000001", expiry: () => "301231", verdict: "SerialNotInBatch",
        data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Lot_Expiry" },
      },
      {
        name: "wrong expiry", lot: LOT.genuine, serial: "VS000001", expiry: () => "301231", verdict: "Genuine", expiryMatches: false,
        data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial_Expiry" },
      },
      { name: "unknown serial", lot: LOT.genuine, serial: "FORGED01", expiry: (e) => e.genuine, verdict: "SerialNotInBatch", data: { verified: false, verificationFailureReason: "No_match_GTIN_Serial" } },
    ];
    for (const c of CASES) {
      it(`${c.name}: rx:verify says ${c.verdict}, the responder ${JSON.stringify(c.data)}`, async function () {
        const { url, expiry } = await loadFixture(storyFixture);
        const pack = { gtin, lot: c.lot, serial: c.serial, expiry: c.expiry(expiry) };
        const local = await rxVerify<PackReport>(pack);
        const remote = await rxVerify<VrsAnswer>({ ...pack, vrs: url, signer: SIGNER.distributor, corrUuid: UUID });
        expect({ verdict: local.json.verdict, ...(c.expiryMatches === undefined ? {} : { expiryMatches: local.json.expiryMatches }) }).to.deep.equal({
          verdict: c.verdict,
          ...(c.expiryMatches === undefined ? {} : { expiryMatches: c.expiryMatches }),
        });
        expect(remote.json.status).to.equal(200);
        expect(remote.json.response?.data).to.deep.equal(c.data);
      });
    }
    it("unknown GTIN: rx:verify says UnknownBatch, the responder 404 (it serves no lot of that GTIN)", async function () {
      const { url } = await loadFixture(storyFixture);
      const pack = { gtin: formatGtin(FOREIGN_GTIN), lot: LOT.genuine, serial: "VS000001", expiry: "281231" };
      const local = await rxVerify<PackReport>(pack);
      const remote = await rxVerify<VrsAnswer>({ ...pack, vrs: url, signer: SIGNER.distributor });
      expect([local.json.verdict, remote.json.status, remote.exitCode]).to.deep.equal(["UnknownBatch", 404, VRS_REFUSED_EXIT_CODE]);
      expect(remote.json.refusal).to.equal(`GTIN ${formatGtin(FOREIGN_GTIN)} is not served by this responder: no lot of it was commissioned`);
    });
  });

  describe("the response", function () {
    it("follows the standard: timestamp, the manufacturer's GLN as responder, data, the echoed corrUUID", async function () {
      const { url, expiry } = await loadFixture(storyFixture);
      const { json } = await rxVerify<VrsAnswer>({ gtin, lot: LOT.genuine, serial: "VS000001", expiry: expiry.genuine, vrs: url, signer: SIGNER.pharmacy, corrUuid: UUID });
      const response = json.response!;
      expect(Object.keys(response)).to.deep.equal(["verificationTimestamp", "responderGLN", "data", "corrUUID"]);
      expect(response.verificationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect([response.responderGLN, response.corrUUID]).to.deep.equal([gln("manufacturer"), UUID]);
    });
    it("answers the /gtin/…/lot/…/ser/…?exp= form as the Digital Link form", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const target = `/gtin/${gtin}/lot/${LOT.recalled}/ser/VR000001?exp=${expiry.recalled}&reqGLN=${gln("distributor")}&corrUUID=${UUID}`;
      const answer = await get(url, target, signers[4], { corrUUID: UUID });
      expect([answer.status, answer.type]).to.deep.equal([200, "application/json; charset=utf-8"]);
      expect(JSON.parse(answer.text)).to.deep.include({ corrUUID: UUID, data: { verified: true, additionalInfo: "Recalled" } });
    });
    it("is the same from the page's server (npm run web), through the network's RPC URL", async function () {
      const { expiry, signers } = await loadFixture(storyFixture);
      // The in-process chain over JSON-RPC as `npm run node` serves it, and the story's files as the localhost network's.
      const rpc = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port: 0, provider: hre.network.provider })) as JsonRpcServer;
      const { port } = await rpc.listen();
      const dir = tempDir("rx-vrs-web-");
      cpSync(path.join(deploymentsDir(), "hardhat.json"), path.join(dir, "localhost.json"));
      cpSync(path.join(deploymentsDir(), "hardhat"), path.join(dir, "localhost"), { recursive: true });
      const middleware = vrsApiMiddleware({ deploymentsDir: dir, env: { RXTRACE_RPC_URL_LOCALHOST: `http://127.0.0.1:${port}` } });
      const web = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end()));
      await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
      try {
        const target = verificationTarget({ gtin: GTIN, lot: LOT.recalled, serial: "VR000001", expiry: expiry.recalled }, gln("distributor"), UUID);
        const answer = await get(`http://127.0.0.1:${(web.address() as AddressInfo).port}`, target, signers[4], { corrUUID: UUID });
        expect([answer.status, JSON.parse(answer.text).data]).to.deep.equal([200, { verified: true, additionalInfo: "Recalled" }]);
      } finally {
        web.closeAllConnections();
        await new Promise((resolve) => web.close(resolve));
        await rpc.close();
      }
    });
    it("rx:verify --vrs prints the answer in words and exits with its code", async function () {
      const { url, expiry } = await loadFixture(storyFixture);
      const pack = { gtin, lot: LOT.recalled, serial: "VR000001", expiry: expiry.recalled, vrs: url, signer: SIGNER.distributor };
      const { lines } = await captureOutput(() => hre.run("rx:verify", pack));
      const exitCode = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      expect([lines[0], exitCode]).to.deep.equal([`VERIFIED, additional info Recalled (responder GLN ${gln("manufacturer")})`, VRS_ADDITIONAL_INFO_EXIT_CODE]);
      const forged = await captureOutput(() => hre.run("rx:verify", { ...pack, lot: LOT.genuine, serial: "FORGED01", expiry: expiry.genuine }));
      const forgedExit = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      expect([forged.lines[0], forgedExit]).to.deep.equal([`NOT VERIFIED, reason No_match_GTIN_Serial (responder GLN ${gln("manufacturer")})`, VRS_NOT_VERIFIED_EXIT_CODE]);
    });
    it("checkConnectivity answers the responder's GLN, and 404 for a GTIN it does not serve", async function () {
      const { url, signers } = await loadFixture(storyFixture);
      const ok = await get(url, `/checkConnectivity?gtin=${gtin}&reqGLN=${gln("distributor")}&context=dscsaSaleableReturn`, signers[4]);
      expect([ok.status, JSON.parse(ok.text)]).to.deep.equal([200, { responderGLN: gln("manufacturer") }]);
      const unserved = await get(url, `/checkConnectivity?gtin=${formatGtin(GTIN_2)}&reqGLN=${gln("distributor")}`, signers[4]);
      expect([unserved.status, unserved.type]).to.deep.equal([404, "text/plain; charset=utf-8"]);
    });
  });

  describe("who may ask", function () {
    const target = (expiry: string, reqGLN = gln("distributor")) => verificationTarget({ gtin: GTIN, lot: LOT.genuine, serial: "VS000001", expiry }, reqGLN, UUID);

    it("answers 401 to a reqGLN that is not a partner", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const answer = await get(url, target(expiry.genuine, "0614141999996"), signers[9], { corrUUID: UUID });
      expect([answer.status, answer.text.trim()]).to.deep.equal([401, "reqGLN 0614141999996 is not a trading partner of the registry"]);
    });
    it("answers 401 to an unsigned request", async function () {
      const { url, expiry } = await loadFixture(storyFixture);
      const answer = await get(url, target(expiry.genuine));
      expect([answer.status, answer.text]).to.deep.equal([
        401,
        `no RxTrace-Timestamp and RxTrace-Signature headers: sign the request with the key of reqGLN ${gln("distributor")} (docs/vrs.md)\n`,
      ]);
    });
    it("answers 401 to a request signed by another key than the partner's", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const answer = await get(url, target(expiry.genuine), signers[9], { corrUUID: UUID });
      expect([answer.status, answer.text]).to.deep.equal([
        401,
        `RxTrace-Signature: not a signature of reqGLN ${gln("distributor")}'s account ${signers[4].address} over this request\n`,
      ]);
    });
    it("answers 401 to a signature over another corrUUID (the signature covers the request)", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const answer = await get(url, target(expiry.genuine), signers[4], { corrUUID: "00000000-0000-4000-8000-000000000000" });
      expect(answer.status).to.equal(401);
    });
    it("answers 401 to a stale request", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const stale = Math.floor(Date.now() / 1000) - 301;
      const answer = await get(url, target(expiry.genuine), signers[4], { corrUUID: UUID, timestamp: stale });
      expect(answer.status).to.equal(401);
      expect(answer.text).to.match(new RegExp(`^RxTrace-Timestamp: got ${stale}, expected within 300 s of the responder's clock`));
    });
    it("answers a signed request once: its replay gets 401", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const t = target(expiry.genuine);
      const headers = await signedHeaders(signers[4], "GET", t, UUID, Math.floor(Date.now() / 1000));
      const first = await fetch(`${url}${t}`, { headers });
      const again = await fetch(`${url}${t}`, { headers });
      expect([first.status, again.status, (await again.text()).trim()]).to.deep.equal([200, 401, "RxTrace-Signature: this signed request was already answered (replay)"]);
    });
    it("answers a contract partner (ERC-1271) whose wallet accepts its owner's signature, and 401 when another key signs", async function () {
      const { url, expiry, signers, rx } = await loadFixture(storyFixture);
      const [admin, , , , , , , , , owner, stranger] = signers;
      const wallet = await new PartnerWallet__factory(admin).deploy(owner.address);
      const walletGln = makeGln("061414100077");
      await rx.connect(admin).onboardPartner(await wallet.getAddress(), 2, walletGln, hre.ethers.id("wallet"), (await time.latest()) + 3600 * 24 * 365, "Wallet Wholesale");
      const byOwner = await get(url, target(expiry.genuine, formatGln(walletGln)), owner, { corrUUID: UUID });
      expect(byOwner.status).to.equal(200);
      expect(JSON.parse(byOwner.text).data).to.deep.equal({ verified: true });
      const byStranger = await get(url, target(expiry.genuine, formatGln(walletGln)), stranger!, { corrUUID: "5b1a6c8e-2f4d-4e8a-9c3b-7d6e5f4a3b2c" });
      expect([byStranger.status, byStranger.text.trim()]).to.deep.equal([
        401,
        `RxTrace-Signature: not a signature of reqGLN ${formatGln(walletGln)}'s account ${await wallet.getAddress()} over this request`,
      ]);
    });
    it("answers 403 to a suspended partner", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const answer = await get(url, target(expiry.genuine, gln("pharmacy2")), signers[7], { corrUUID: UUID });
      expect([answer.status, answer.text.trim()]).to.deep.equal([403, `reqGLN ${gln("pharmacy2")} (${signers[7].address}) is not an authorized trading partner: Suspended`]);
    });
  });

  describe("a malformed request", function () {
    const dl = (path: string, query: string) => `${path}?${query}`;
    const cases: [string, (e: string) => string, number, RegExp][] = [
      ["a GTIN with a bad check digit", (e) => dl(`/01/${gtin.slice(0, 13)}9/10/${LOT.genuine}/21/VS000001`, `17=${e}&linkType=verificationService&reqGLN=${gln("distributor")}`), 400, /^01: got "\d{13}9", expected/],
      ["no expiry (17)", () => dl(`/01/${gtin}/10/${LOT.genuine}/21/VS000001`, `linkType=verificationService&reqGLN=${gln("distributor")}`), 400, /^17: got "", expected a date as YYMMDD/],
      ["no reqGLN", (e) => dl(`/01/${gtin}/10/${LOT.genuine}/21/VS000001`, `17=${e}&linkType=verificationService`), 400, /^reqGLN: got "", expected/],
      ["another context", (e) => dl(`/01/${gtin}/10/${LOT.genuine}/21/VS000001`, `17=${e}&linkType=verificationService&context=dscsaOther&reqGLN=${gln("distributor")}`), 400, /^context: got "dscsaOther", expected "dscsaSaleableReturn"/],
      ["no linkType on the Digital Link", (e) => dl(`/01/${gtin}/10/${LOT.genuine}/21/VS000001`, `17=${e}&reqGLN=${gln("distributor")}`), 400, /^linkType: got "", expected "verificationService"/],
      ["a corrUUID that is not a UUID", (e) => dl(`/01/${gtin}/10/${LOT.genuine}/21/VS000001`, `17=${e}&linkType=verificationService&reqGLN=${gln("distributor")}&corrUUID=42`), 400, /^corrUUID: got "42", expected a UUID/],
    ];
    for (const [name, build, status, message] of cases) {
      it(`answers ${status} to ${name}, naming the field`, async function () {
        const { url, expiry, signers } = await loadFixture(storyFixture);
        const answer = await get(url, build(expiry.genuine), signers[4]);
        expect(answer.status).to.equal(status);
        expect(answer.text).to.match(message);
      });
    }
    it("answers 405 to a POST", async function () {
      const { url, expiry, signers } = await loadFixture(storyFixture);
      const answer = await get(url, verificationTarget({ gtin: GTIN, lot: LOT.genuine, serial: "VS000001", expiry: expiry.genuine }, gln("distributor"), UUID), signers[4], { method: "POST" });
      expect(answer.status).to.equal(405);
    });
    it("answers 404 to a path that is not the standard's", async function () {
      const { url } = await loadFixture(storyFixture);
      expect((await get(url, "/index.html")).status).to.equal(404);
    });
    it("rx:vrs-serve refuses a port that is not one", async function () {
      await loadFixture(storyFixture);
      await expect(hre.run("rx:vrs-serve", { port: "99999" })).to.be.rejectedWith('--port: got "99999", expected a TCP port from 0 to 65535');
    });
    it("rx:verify --vrs refuses --holder: the responder answers about the product", async function () {
      const { url, expiry } = await loadFixture(storyFixture);
      const pack = { gtin, lot: LOT.genuine, serial: "VS000001", expiry: expiry.genuine, vrs: url, signer: SIGNER.distributor, holder: gln("pharmacy") };
      await expect(hre.run("rx:verify", pack)).to.be.rejectedWith(`--holder: got "${gln("pharmacy")}", expected nothing with --vrs`);
    });
    it("rx:verify --vrs refuses a pack without its expiry before asking", async function () {
      const { url } = await loadFixture(storyFixture);
      await expect(hre.run("rx:verify", { gtin, lot: LOT.genuine, serial: "VS000001", vrs: url, signer: SIGNER.distributor })).to.be.rejectedWith(
        '--expiry: got "", expected the pack\'s expiry (AI 17, YYMMDD): a verification request names it',
      );
    });
  });
});
