/**
 * Reading a pack's 2D code in the browser with ZXing: QR (GS1 Digital Link) and GS1 DataMatrix (element
 * string; ZXing hands FNC1 over as ASCII 29), from a photo or from the device camera.
 */
import {
  BarcodeFormat,
  BinaryBitmap,
  BrowserMultiFormatReader,
  DecodeHintType,
  HTMLCanvasElementLuminanceSource,
  HybridBinarizer,
  MultiFormatReader,
} from "@zxing/library";

function hints(): Map<DecodeHintType, unknown> {
  return new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE, BarcodeFormat.DATA_MATRIX]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
}

/** The text of the QR code or DataMatrix in an image file; throws when the image has none. */
export async function decodeImage(file: Blob): Promise<string> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error("the file is not an image this browser can read (use a PNG or JPEG photo)");
  }
  try {
    return decodeBitmap(bitmap);
  } finally {
    bitmap.close();
  }
}

function decodeBitmap(bitmap: ImageBitmap): string {
  const reader = new MultiFormatReader();
  reader.setHints(hints());
  const longest = Math.max(bitmap.width, bitmap.height);
  // Phone photos are large and codes small; try the original size first (up to 2000 px), then smaller.
  for (const side of [Math.min(longest, 2000), 1000, 500]) {
    if (side > longest) continue;
    const scale = side / longest;
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    if (!context) break;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    try {
      const bitmapForZxing = new BinaryBitmap(new HybridBinarizer(new HTMLCanvasElementLuminanceSource(canvas)));
      return reader.decodeWithState(bitmapForZxing).getText();
    } catch {
      // not found at this size: try the next
    } finally {
      reader.reset();
    }
  }
  throw new Error("no QR code or DataMatrix was found in the photo: take it closer, flat and in focus");
}

/** Continuous decoding from the device camera (the rear one on a phone). */
export class CameraScanner {
  private readonly reader = new BrowserMultiFormatReader(hints(), 300);
  private running = false;

  get active(): boolean {
    return this.running;
  }

  /** Starts the camera; `onText` gets the first code read, after which the camera stops. */
  async start(video: HTMLVideoElement, onText: (text: string) => void): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error("this browser gives the page no camera (it needs HTTPS or localhost): upload a photo instead");
    }
    this.running = true;
    try {
      await this.reader.decodeFromConstraints({ video: { facingMode: "environment" }, audio: false }, video, (result) => {
        if (result && this.running) {
          this.stop();
          onText(result.getText());
        }
      });
    } catch (error) {
      this.stop();
      const name = error instanceof Error ? error.name : "";
      if (name === "NotAllowedError") throw new Error("the camera was not allowed: allow it in the browser, or upload a photo instead", { cause: error });
      if (name === "NotFoundError" || name === "OverconstrainedError") {
        throw new Error("no camera was found on this device: upload a photo instead", { cause: error });
      }
      throw error instanceof Error ? error : new Error(String(error));
    }
  }

  stop(): void {
    this.running = false;
    this.reader.reset();
  }
}
