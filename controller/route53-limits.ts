// Route 53 ChangeResourceRecordSets limits, one source for the planner's batching and the
// sandbox's refusals. Route 53 API Reference, ChangeResourceRecordSets: "A request cannot
// contain more than 1,000 ResourceRecord elements" and "The sum of the number of characters
// (including spaces) in all Value elements in a request cannot exceed 32,000 characters";
// "UPSERT: elements and characters are counted twice".

export const MAX_RECORDS_PER_BATCH = 1000;
export const MAX_CHARACTERS_PER_BATCH = 32_000;
/** An UPSERT counts as a delete plus a create against both limits. */
export const UPSERT_FACTOR = 2;
