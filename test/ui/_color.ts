// Import first. Ink colours through chalk, which fixed its colour level when AVA (which uses the
// same chalk) loaded it in this worker, before FORCE_COLOR could matter, and the worker's stdout
// is not a terminal: so set the level directly. Level 1 gives the 16 basic colours.
import chalk from 'chalk';

chalk.level = 1;
export const RED = '\u001b[31m';
export const GREEN = '\u001b[32m';
export const INVERSE = '\u001b[7m';
