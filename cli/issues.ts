/** The CLI prints workflow problems exactly as the API reports them. */
export { type AddressedIssue as CliIssue, formatIssue, fromLoadIssue } from '../graph-engine/issue-text.ts';
