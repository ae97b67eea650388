/** A PostgreSQL identifier quoted for SQL text: names with spaces, semicolons or quotes stay one name. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
