/** Descriptions of the commands loaded lazily (program.ts lists them without loading them). */
export const START_DESCRIPTION = 'start a broker in the foreground (logs on stderr, ready line on stdout)';
export const CONFIG_DESCRIPTION = 'inspect configuration without starting a broker';
