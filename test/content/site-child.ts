// Runs a test site in a child process, as an unprivileged user when started as root (root
// reads any file, so EACCES can only be seen without it). Prints the port on stdout.
import { startSite } from './site.js';

const NOBODY = 65534;
if (process.getuid?.() === 0) {
  process.setgid!(NOBODY);
  process.setuid!(NOBODY);
}
const site = await startSite(process.argv[2], { autoindex: true });
process.stdout.write(`${site.port}\n`);
process.on('SIGTERM', () => void site.close().then(() => process.exit(0)));
