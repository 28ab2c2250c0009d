import { createRequire } from 'node:module';

// Finding a template image inside a screenshot: sharp decodes both to raw RGB, OpenCV's
// matchTemplate (normalised correlation coefficient, @techstark/opencv-js: OpenCV compiled to wasm,
// shipped inside the npm package) scores every position. Both libraries load on first use.

/** Where the template matched best, in screenshot pixels. */
export interface TemplateMatch {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Normalised correlation of the best position, -1 to 1 (1: identical pixels). */
  readonly similarity: number;
}

/** The template cannot be searched for: not an image, or larger than the screenshot. */
export class TemplateImageError extends Error {
  /** Stable code. */
  readonly code = 'TEMPLATE_IMAGE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateImageError';
  }
}

// The few OpenCV.js members used here (its bundled typings lack the constants).
interface CvMat {
  readonly data: Uint8Array;
  delete(): void;
}
interface OpenCv {
  readonly Mat: new (rows?: number, cols?: number, type?: number) => CvMat;
  readonly CV_8UC3: number;
  readonly TM_CCOEFF_NORMED: number;
  matchTemplate(image: CvMat, template: CvMat, result: CvMat, method: number): void;
  minMaxLoc(source: CvMat): { maxVal: number; maxLoc: { x: number; y: number } };
}

let openCv: Promise<{ readonly cv: OpenCv }> | undefined;

/**
 * OpenCV.js, once its wasm runtime is ready (about a second, once per process). Loaded with
 * `require`, its UMD build's own way. The module object is a thenable that resolves to itself, so it
 * always travels wrapped: a promise resolved with it (an async function returning it) never settles.
 */
function loadOpenCv(): Promise<{ readonly cv: OpenCv }> {
  openCv ??= new Promise((resolve) => {
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as OpenCv & { onRuntimeInitialized?: () => void };
    if (typeof cv.Mat === 'function') resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return openCv;
}

interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

async function decodeRgb(image: Uint8Array, what: string): Promise<RawImage> {
  const { default: sharp } = await import('sharp');
  try {
    // Transparent pixels become white, as a page's background usually is.
    const { data, info } = await sharp(image).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new TemplateImageError(`${what} is not an image sharp can decode (${(error as Error).message})`);
  }
}

/** Decodes a template once, for many searches. */
export async function decodeTemplate(image: Uint8Array): Promise<RawImage> {
  return decodeRgb(image, 'the template');
}

/** The position where `template` matches `screenshot` (a PNG) best, with its similarity. */
export async function matchTemplate(screenshot: Uint8Array, template: RawImage): Promise<TemplateMatch> {
  const [{ cv }, shot] = await Promise.all([loadOpenCv(), decodeRgb(screenshot, 'the screenshot')]);
  if (template.width > shot.width || template.height > shot.height) {
    throw new TemplateImageError(`the template (${template.width}x${template.height}) is larger than the page (${shot.width}x${shot.height})`);
  }
  const image = new cv.Mat(shot.height, shot.width, cv.CV_8UC3);
  const pattern = new cv.Mat(template.height, template.width, cv.CV_8UC3);
  const scores = new cv.Mat();
  try {
    image.data.set(shot.data);
    pattern.data.set(template.data);
    cv.matchTemplate(image, pattern, scores, cv.TM_CCOEFF_NORMED);
    const { maxVal, maxLoc } = cv.minMaxLoc(scores);
    // A template of one flat colour has no variance: its correlation is undefined (NaN), not a match.
    return { x: maxLoc.x, y: maxLoc.y, width: template.width, height: template.height, similarity: Number.isFinite(maxVal) ? maxVal : 0 };
  } finally {
    image.delete();
    pattern.delete();
    scores.delete();
  }
}
