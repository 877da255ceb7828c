/**
 * The catalog of every compiler diagnostic, gathered from the per-area tables.
 * Codes are unique across the catalog (a test checks it).
 */
export {};
