/**
 * Which Chromium the browser tests drive, so that `npm ci && npm test` needs nothing outside npm:
 *
 * 1. `RXTRACE_CHROMIUM`, when set (an error if nothing is there);
 * 2. else a system Chromium (Debian's `chromium`, or `chromium-browser`), when one is installed;
 * 3. else the Chromium that the `@sparticuz/chromium` package carries, brotli-compressed, inside
 *    node_modules. It is decompressed once (about 200 MB, a few seconds) into
 *    `node_modules/.cache/rxtrace-chromium/<package version>/`, which `npm ci` clears and a new version
 *    of the package replaces. Nothing is downloaded.
 *
 * The package decompresses into `os.tmpdir()` (it was made for AWS Lambda's /tmp) and takes a binary
 * already there as finished, even when another process is halfway through writing it. So the
 * decompression runs in a child process whose TMPDIR is a private staging folder, and the folder is
 * then renamed into place in one step: test workers or concurrent test runs that race either win the
 * rename or find the finished folder, and none ever sees a half-written browser.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const ROOT = path.join(__dirname, "..", "..");
const PACKAGE = "@sparticuz/chromium";
const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"];
/** Where the packaged browser is decompressed, one folder per package version. */
export const CACHE = path.join(ROOT, "node_modules", ".cache", "rxtrace-chromium");

export interface ChromiumChoice {
  /** The browser binary. */
  executablePath: string;
  /** Where it came from, for messages. */
  source: string;
  /** Environment for the browser process (fonts for the packaged browser on a machine without fontconfig). */
  env: NodeJS.ProcessEnv;
}

/** The browser to launch: RXTRACE_CHROMIUM, a system Chromium, or the packaged one (decompressed on first use). */
export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  const override = env.RXTRACE_CHROMIUM;
  if (override) {
    if (!existsSync(override)) {
      throw new Error(`RXTRACE_CHROMIUM is "${override}", but no file is there: expected the path of a Chromium binary, or leave it unset to use ${PACKAGE}`);
    }
    return { executablePath: override, source: "RXTRACE_CHROMIUM", env: { ...env } };
  }
  const system = SYSTEM_CHROMIUMS.find((file) => existsSync(file));
  if (system) return { executablePath: system, source: `the system's ${system}`, env: { ...env } };
  return packagedChromium(env);
}

/** The Chromium inside `@sparticuz/chromium`, decompressed into `cacheRoot` once per package version. */
export async function packagedChromium(env: NodeJS.ProcessEnv = process.env, cacheRoot = CACHE): Promise<ChromiumChoice> {
  const version = packageVersion();
  const target = path.join(cacheRoot, version);
  const executablePath = path.join(target, "chromium");
  if (!existsSync(executablePath)) {
    mkdirSync(cacheRoot, { recursive: true });
    removeAbandonedStaging(cacheRoot);
    const staging = mkdtempSync(path.join(cacheRoot, `.staging-${version}-`));
    try {
      // The package writes chromium, fonts/ and the SwiftShader libraries into os.tmpdir(): here, the staging folder.
      const script = `require(${JSON.stringify(PACKAGE)}).executablePath().then((p) => process.stdout.write(p))`;
      const { stdout: written } = await promisify(execFile)(process.execPath, ["-e", script], {
        cwd: ROOT,
        env: { ...env, TMPDIR: staging, TMP: staging, TEMP: staging },
        encoding: "utf8",
        timeout: 180_000,
      });
      if (path.resolve(written) !== path.join(staging, "chromium")) {
        throw new Error(`${PACKAGE} ${version} decompressed its browser to "${written}", expected ${path.join(staging, "chromium")}`);
      }
      writeFileSync(path.join(staging, "fonts.conf"), fontsConf(path.join(target, "fonts")));
      try {
        renameSync(staging, target);
      } catch (error) {
        // Another worker finished first: its folder is complete, ours is not needed.
        if (!existsSync(executablePath)) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  // A machine without fontconfig's system configuration gets the fonts that come with the package.
  const fonts = existsSync("/etc/fonts/fonts.conf") ? {} : { FONTCONFIG_FILE: path.join(target, "fonts.conf") };
  return { executablePath, source: `${PACKAGE} ${version} (${target})`, env: { ...env, ...fonts } };
}

/**
 * Staging folders of decompressions that were killed (a finished or failed one removes its own): one takes
 * seconds, so a folder untouched for 15 minutes is abandoned.
 */
function removeAbandonedStaging(cacheRoot: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const folder = path.join(cacheRoot, name);
    if (name.startsWith(".staging-") && Date.now() - statSync(folder).mtimeMs > 15 * 60_000) rmSync(folder, { recursive: true, force: true });
  }
}

/** The installed version of the package (its exports hide package.json, so found from its entry point up). */
function packageVersion(): string {
  let dir = path.dirname(require.resolve(PACKAGE, { paths: [ROOT] }));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (name === PACKAGE && version) return version;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE} above ${require.resolve(PACKAGE, { paths: [ROOT] })}`);
    dir = path.dirname(dir);
  }
}

/** A fontconfig file that finds the fonts shipped in the package (its own fonts.conf names Lambda's folders). */
function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    "<fontconfig>",
    `  <dir>${dir}</dir>`,
    `  <cachedir>${path.join(dir, ".cache")}</cachedir>`,
    "</fontconfig>",
    "",
  ].join("\n");
}
