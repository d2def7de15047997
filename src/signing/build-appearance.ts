import {
  buildElectronicCopyAppearance,
  buildIndividualAppearance,
  buildOrganizationAppearance,
  buildTextBlockAppearance,
  headingLines,
  mm,
} from '../pdf/appearance/index.js';
import type { Appearance } from '../pdf/appearance/model.js';
import { formatVietnamTime } from '../core/vietnam-time.js';
import type { AppearanceRequest } from './signing-ports.js';

/** Decree 30/2020 Appendix I stamps (docs/domain.md "Visible signatures"). */
export async function buildAppearance(r: AppearanceRequest): Promise<Appearance> {
  const heading = {
    ...(r.title !== undefined ? { title: r.title } : {}),
    ...(r.authorityLines?.length ? { authorityLines: r.authorityLines } : {}),
  };
  switch (r.kind) {
    case 'individual':
      return buildIndividualAppearance({
        width: r.width,
        height: r.height,
        ...(r.rotate ? { rotate: r.rotate } : {}),
        ...heading,
        ...(r.image ? { signatureImage: r.image } : {}),
        ...(r.signerName !== undefined ? { signerName: r.signerName } : {}),
        signingTime: r.signingTime,
      });
    case 'organization':
      if (r.image) {
        return buildOrganizationAppearance({
          width: r.width,
          height: r.height,
          ...(r.rotate ? { rotate: r.rotate } : {}),
          sealImage: r.image,
          organizationName: r.organization ?? r.signerName ?? '',
          signingTime: r.signingTime,
          ...heading,
          ...(r.sealDiameterMm !== undefined ? { sealSize: mm(r.sealDiameterMm) } : {}),
          ...(r.sealOnly ? { showText: false } : {}),
          ...(r.textSide ? { textSide: r.textSide } : {}),
        });
      }
      // Without a seal image: the same texts, no image.
      return buildTextBlockAppearance({
        width: r.width,
        height: r.height,
        ...(r.rotate ? { rotate: r.rotate } : {}),
        padding: 2,
        verticalAlign: 'middle',
        ...(r.textSide === 'left' ? { align: 'right' as const } : {}),
        paragraphs: [
          ...headingLines(r.authorityLines, r.title).map((text) => ({ text, font: 'bold' as const, size: 10 })),
          { text: `Ký bởi: ${r.organization ?? r.signerName ?? ''}`, font: 'bold', size: 10 },
          { text: `Thời gian ký: ${formatVietnamTime(r.signingTime)}`, size: 10 },
        ],
      });
    case 'copy':
      return buildElectronicCopyAppearance({
        width: r.width,
        height: r.height,
        ...(r.rotate ? { rotate: r.rotate } : {}),
        copyForm: r.copyForm ?? 'SAO Y',
        organizationName: r.organization ?? r.signerName ?? '',
        signingTime: r.signingTime,
      });
  }
}
