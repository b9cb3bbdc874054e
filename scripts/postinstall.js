// The project's own postinstall: Electron's binary, downloaded by the electron package's own install script, and
// never a reason for the install to fail. package.json's `allowScripts` (npm 11 and later) keeps npm from running
// that script itself, since npm aborts the whole install when it fails (as it does where its download host cannot
// be reached); here it runs within a time limit and, if it fails, the install goes on without the binary: the
// Electron shell still typechecks (its types come with the package), `npm start` opens the same window in the
// browser and says why, and the Electron e2e project skips saying why. npm before 11 ignores `allowScripts` and
// runs Electron's script itself, as before; this one then finds the binary there and does nothing.
import { ELECTRON_HOW_TO, electronBinary, electronMissingReason, fetchElectron } from './setup.js';

try {
  if (
    !electronBinary() &&
    !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD &&
    fetchElectron() === null &&
    electronMissingReason() !== 'the electron package is not installed'
  ) {
    process.stderr.write(
      `consul-lab: no Electron binary: ${electronMissingReason()}; the install goes on without it ` +
        `(npm start opens the window in the browser instead; ${ELECTRON_HOW_TO})\n`,
    );
  }
} catch (err) {
  process.stderr.write(
    `consul-lab: the Electron binary was not installed (${err instanceof Error ? err.message : String(err)}); ` +
      'the install goes on without it\n',
  );
}
process.exit(0);
