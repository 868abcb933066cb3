/** The version printed by `-V` and written into transcript headers. */
export const VERSION = '0.1.0';
