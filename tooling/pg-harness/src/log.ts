// The harness reports which server it used on the test output: that is part of every test run's record.
export type HarnessLog = (message: string) => void;

// eslint-disable-next-line no-console
export const defaultLog: HarnessLog = (message) => console.info(`[pg-harness] ${message}`);
