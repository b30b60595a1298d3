/**
 * The block explorer's API key for source verification. Etherscan's V2 API takes one etherscan.io key for
 * every chain it serves (Amoy and Polygon PoS included): ETHERSCAN_API_KEY. The per-explorer key of the V1
 * API, POLYGONSCAN_API_KEY, is still read when it is the only one, with a warning.
 */
export const EXPLORER_KEY_VAR = "ETHERSCAN_API_KEY";
export const OLD_EXPLORER_KEY_VAR = "POLYGONSCAN_API_KEY";

/** The key to use ("" for none), and the warning to show when it came from the old variable. */
export function resolveExplorerKey(env: NodeJS.ProcessEnv = process.env): { key: string; warning?: string } {
  const key = env[EXPLORER_KEY_VAR]?.trim();
  if (key) return { key };
  const old = env[OLD_EXPLORER_KEY_VAR]?.trim();
  if (old) {
    return {
      key: old,
      warning:
        `${OLD_EXPLORER_KEY_VAR} is deprecated: source verification uses the Etherscan V2 API, which takes one etherscan.io key for every chain; ` +
        `set ${EXPLORER_KEY_VAR} in .env instead (a Polygonscan-only key may be refused)`,
    };
  }
  return { key: "" };
}

/** The key for hardhat-verify's `etherscan.apiKey`: a single string, so the V2 API is used. */
export function explorerApiKey(env: NodeJS.ProcessEnv = process.env): string {
  return resolveExplorerKey(env).key;
}
