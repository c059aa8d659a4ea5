/** Row types of the documents area's tables; merged into the database type in src/platform/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DocumentsTables {}
