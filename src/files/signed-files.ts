/** Signed files on disk (`rxtrace-signed/1`, src/signing/document.ts): read naming the flag, written whole or not at all. */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../chain/deployment";
import { InputError } from "../domain/errors";
import { type SignedDocument, formatSignedDocument, parseSignedDocument } from "../signing/document";

/** Reads and checks the signed file named by `field` (e.g. `--in`). */
export function readSignedFile(file: string | undefined, field = "--in"): SignedDocument {
  if (file === undefined || file === "") throw new InputError(field, file ?? "", "the path of a signed file (written by rx:sign)");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError(field, file, "an existing, readable signed file (written by rx:sign)");
  }
  return parseSignedDocument(text, file);
}

/** Writes the signed file whole or not at all. */
export function writeSignedFile(file: string, doc: SignedDocument): void {
  writeFileAtomic(file, formatSignedDocument(doc));
}
