/**
 * Visible signature appearances and page overlays as writer-independent PDF objects.
 * See model.ts for the object model the incremental writer consumes.
 */
export * from './model.js';
export { loadFont, loadFontFromBytes, LoadedFont, type FontStyle, type GlyphInfo } from './fonts.js';
export { FontSubset } from './font-subset.js';
export { VIETNAMESE_CHARACTERS } from './vietnamese-characters.js';
export { decodeImage, decodeImageCached, decodePng, decodeJpeg, imageObjects, type DecodedImage, type DecodeOptions } from './images.js';
export {
  layoutBlock,
  measureText,
  wrapText,
  type Align,
  type VerticalAlign,
  type Rgb,
  type Paragraph,
  type BlockLayout,
  type BlockOptions,
  type LaidOutLine,
} from './text-layout.js';
export { AppearanceCanvas, containRect, rotationMatrix, type ImageInput, type PageRotation, type Rect } from './canvas.js';
export {
  buildIndividualAppearance,
  layoutIndividual,
  layoutOrganization,
  type IndividualLayout,
  type OrganizationLayout,
  buildOrganizationAppearance,
  buildElectronicCopyAppearance,
  buildTextBlockAppearance,
  electronicCopyStampHeight,
  type IndividualStampInput,
  type OrganizationStampInput,
  type ElectronicCopyStampInput,
  type TextBlockInput,
} from './stamps.js';
export { pageOverlay, topRightRect, type PageOverlay, type PageBox } from './overlay.js';
export { formatVietnamTime, formatVietnamDate, vietnamParts, type TimeFormatter } from '../../core/vietnam-time.js';
export { visibleBounds, type PixelBox } from './visible-bounds.js';
export { AUTHORITY_PREFIXES, parseAuthorityLines, parseTitle, headingLines } from './signing-authority.js';
export {
  DEFAULT_SEAL_DIAMETER_MM,
  POINTS_PER_MM,
  mm,
  fitLines,
  labelled,
  linesHeight,
  linesWidth,
  intersects,
  assertNoOverlap,
  type StampLine,
  type PlacedLine,
  type FitOptions,
} from './stamp-layout.js';
