// The query commands (logcli's habits): query, instant-query, labels, series, stats, volume, fmt.

export { isQueryCommand, runQueryCommand, QUERY_COMMANDS, type QueryCommand } from './commands.js';
export { processIo, type Io } from './io.js';
