// Runs the CLI from src/ (through tsx), so the tests never use a stale dist/.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
