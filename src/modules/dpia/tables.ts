/** Row types of the dpia area's tables; merged into the database type in src/platform/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DpiaTables {}
