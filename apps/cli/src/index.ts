export { runCli, main, HELP } from './main.js';
export { parseAge } from './commands/store-commands.js';
