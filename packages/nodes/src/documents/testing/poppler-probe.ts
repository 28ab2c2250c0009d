import { execFileSync } from 'node:child_process';

/** True when Debian's poppler-utils (`pdftotext`) can be run here: the PDF text tests need it. */
export function popplerInstalled(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
